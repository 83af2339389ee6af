"""Per-client limits that hold for the whole deployment, whatever the number of processes and machines.

``5/10m`` means at most 5 accepted hits in any 10 minutes: a sliding window,
exact, kept as the times of the client's accepted hits within the longest
period of its limits (so never more of them than that limit's count). A hit
over any limit is refused and not recorded; the client's next hit is
accepted once its oldest one has aged out.

The times live where every process sees them, one atomic round trip per hit:
- with ``CACHE_URL`` (Redis), a sorted set per client and scope, updated by
  one Lua script;
- without it, a row per client and scope of ``campaign_rate_limit`` in
  PostgreSQL (UNLOGGED, see ``RateLimitHits``), updated by one
  ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` in the function
  ``campaign_rate_limit_hit`` (migration 0004); ``sweep()`` (the
  ``prune-shared-store`` periodic task) deletes rows past their longest period.

The client is ``client_key(request)``, a keyed hash of its network: no
address is ever written in clear.
"""

import functools
import secrets
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from campaign.client_ip import client_key
from campaign.models import RateLimitHits
from campaign.shared_cache import PostgresCache

# KEYS[1]: the client's sorted set (score: time of an accepted hit).
# ARGV: now, longest period, a unique member, then limit and seconds of each rate.
_REDIS_HIT = """
local key, now, keep = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - keep)
for i = 4, #ARGV, 2 do
    local hits = redis.call('ZCOUNT', key, '(' .. (now - tonumber(ARGV[i + 1])), '+inf')
    if hits >= tonumber(ARGV[i]) then
        return 0
    end
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, math.ceil(keep * 1000))
return 1
"""


@functools.cache
def _table():
    return connection.ops.quote_name(RateLimitHits._meta.db_table)


def _hit_in_postgres(key, now, rates):
    # campaign_rate_limit_hit() (migration 0004): one INSERT … ON CONFLICT DO
    # UPDATE … RETURNING, planned once per connection.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT campaign_rate_limit_hit(%s, %s::float8, %s::int[], %s::float8[])",
            [key, now, [rate.limit for rate in rates], [rate.seconds for rate in rates]],
        )
        return cursor.fetchone()[0]


def _hit_in_redis(store, key, now, keep, rates):
    client = store._cache.get_client(key, write=True)
    limits = [value for rate in rates for value in (rate.limit, rate.seconds)]
    member = f"{now!r}:{secrets.token_hex(6)}"
    return client.eval(_REDIS_HIT, 1, key, repr(now), keep, member, *limits) == 1


def hit(scope, client, rates, *, now=None):
    """Count one action of ``client`` in ``scope``; True if it is within every rate (and then recorded)."""
    if not rates:
        return True
    now = time.time() if now is None else now
    store = caches["default"]
    key = store.make_and_validate_key(f"ratelimit:{scope}:{client}")
    keep = max(rate.seconds for rate in rates)
    if isinstance(store, RedisCache):
        return _hit_in_redis(store, key, now, keep, rates)
    if isinstance(store, PostgresCache):
        return _hit_in_postgres(key, now, rates)
    raise ImproperlyConfigured(
        "Rate limits need a cache every process shares: Redis (CACHE_URL) or campaign.shared_cache.PostgresCache."
    )


def allow(request, scope, rates):
    """Count this request against ``rates`` for its client; False when over a limit."""
    return hit(scope, client_key(request), rates)


def sweep(now=None):
    """Delete the PostgreSQL rows whose every hit is older than its longest period; return how many."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE expires <= %s", [time.time() if now is None else now])  # noqa: S608
        return cursor.rowcount
