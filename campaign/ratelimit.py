"""Per-client limits kept in the cache, shared by every process when the cache is Redis.

Fixed windows: a counter per client, rule and window, created with
``cache.add`` and raised with ``cache.incr`` (both atomic, in LocMem and in
Redis) and expiring with its window. The client is ``client_key(request)``,
a keyed hash of its network: no address is ever written in clear.

With the default in-memory cache each process counts on its own, so with N
processes a client gets up to N times the limit: set CACHE_URL to Redis in
production to share the counts.
"""

import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from campaign.client_ip import client_key

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]*)\s*([smhd])\s*")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    def __str__(self):
        return f"{self.limit}/{self.seconds}s"


def parse_rates(value, name="rate limit"):
    """``"5/10m,30/1d"`` to ``[Rate(5, 600), Rate(30, 86400)]``; ``""`` to no limit."""
    rates = []
    for part in value.split(",") if value.strip() else []:
        match = RATE.fullmatch(part)
        if not match:
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of count/period such as 5/10m,30/1d, got {value!r}."
            )
        limit, amount, unit = int(match[1]), int(match[2] or 1), match[3]
        if limit < 1 or amount < 1:
            raise ImproperlyConfigured(f"{name} needs counts and periods of at least 1, got {value!r}.")
        rates.append(Rate(limit, amount * UNITS[unit]))
    return rates


def _count(key, timeout):
    """Add one to the counter at ``key`` (created if missing) and return its new value."""
    for _attempt in range(3):
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:
            # The key expired between add() and incr(): start it again.
            continue
    return 1


def hit(scope, client, rates, *, now=None):
    """Count one action of ``client`` in ``scope``; return True if it is within every rate."""
    now = time.time() if now is None else now
    allowed = True
    for rate in rates:
        window = int(now // rate.seconds)
        remaining = rate.seconds - int(now % rate.seconds)
        key = f"ratelimit:{scope}:{rate.seconds}:{window}:{client}"
        if _count(key, timeout=remaining + 1) > rate.limit:
            allowed = False
    return allowed


def allow(request, scope, rates):
    """Count this request against ``rates`` for its client; False when over a limit."""
    return hit(scope, client_key(request), rates)
