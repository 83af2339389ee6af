"""Strict readers for configuration from environment variables.

Every reader names the variable in its error, so a typo in a deployment fails
at start-up with a message an operator can act on, instead of half-working.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import overload
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}

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


class Env:
    """Reads variables from a mapping (``os.environ`` by default).

    Tests pass a plain dict, so the parsers are exercised without touching the
    process environment.
    """

    def __init__(self, environ: Mapping[builtins.str, builtins.str] | None = None):
        self.environ = os.environ if environ is None else environ

    def raw(self, name: builtins.str) -> builtins.str | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    @overload
    def str(self, name: builtins.str, default: builtins.str) -> builtins.str: ...
    @overload
    def str(self, name: builtins.str, default: None = None) -> builtins.str | None: ...

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        value = self.raw(name)
        return default if value in (None, "") else value

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in TRUE_VALUES:
            return True
        if lowered in FALSE_VALUES:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}.")

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        *,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
    ) -> builtins.int:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
        if maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {number}.")
        return number

    def choice(self, name: builtins.str, choices: builtins.list[builtins.str], default: builtins.str) -> builtins.str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
        return value

    def rates(self, name: builtins.str, default: builtins.str) -> builtins.list[Rate]:
        """Rate limits as ``count/period`` pairs (``"5/10m,30/1d"``): see ``campaign.ratelimit``."""
        return parse_rates(self.str(name, default) or "", name=name)

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items) and value != "":
            raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items, got {value!r}.")
        return [item for item in items if item]

    def origins(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        origins = self.list(name, default)
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ImproperlyConfigured(f"{name} must list origins such as https://example.org, got {origin!r}.")
        return origins

    def url(self, name: builtins.str, default: builtins.str) -> builtins.str:
        value = self.str(name, default)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(f"{name} must be an http:// or https:// URL, got {value!r}.")
        return value.rstrip("/")


def _port(name: str, parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {parts.geturl()!r}.") from None


def parse_database_url(value: str, name: str = "DATABASE_URL") -> dict:
    """``postgres://user:password@host:port/name?sslmode=require`` to a DATABASES entry.

    A Unix socket directory is given as ``postgres://user@/name?host=/run/postgresql``.
    """
    parts = urlsplit(value)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(f"{name} must start with postgres:// or postgresql://, got {parts.scheme!r}.")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise ImproperlyConfigured(f"{name} must name a database, as in postgres://host/campaign.")
    port = _port(name, parts)
    options = {}
    host = unquote(parts.hostname or "")
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key == "host" and values[-1].startswith("/") and not host:
            host = values[-1]
            continue
        if key not in ("sslmode", "connect_timeout", "application_name", "sslrootcert"):
            raise ImproperlyConfigured(f"{name} has an unsupported parameter {key!r}.")
        options[key] = values[-1]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port) if port else "",
        "OPTIONS": options,
    }


def parse_email_url(value: str | None, mail_dir: Path, name: str = "EMAIL_URL") -> dict:
    """An ``EMAIL_URL`` to a MAILERS entry.

    Unset: one ``.eml`` file per message in ``mail_dir``. ``smtp://host:port``
    (STARTTLS with ``?tls=1``) or ``smtps://user:password@host:port`` (implicit TLS).
    """
    if not value:
        return {
            "BACKEND": "campaign.mail_backends.EmlFileBackend",
            "OPTIONS": {"directory": str(mail_dir)},
        }
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(f"{name} must start with smtp:// or smtps://, got {parts.scheme!r}.")
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} must name a host, as in smtp://localhost:25.")
    port = _port(name, parts)
    query = parse_qs(parts.query)
    unknown = set(query) - {"tls", "timeout"}
    if unknown:
        raise ImproperlyConfigured(f"{name} has unsupported parameters: {', '.join(sorted(unknown))}.")
    use_tls = query.get("tls", ["0"])[-1].lower() in TRUE_VALUES
    use_ssl = parts.scheme == "smtps"
    if use_tls and use_ssl:
        raise ImproperlyConfigured(f"{name}: smtps:// already uses TLS; drop ?tls=1.")
    timeout_raw = query.get("timeout", ["10"])[-1]
    try:
        timeout = float(timeout_raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a non-numeric timeout {timeout_raw!r}.") from None
    options = {
        "host": parts.hostname,
        "port": port or (465 if use_ssl else 587 if use_tls else 25),
        "use_ssl": use_ssl,
        "use_tls": use_tls,
        "timeout": timeout,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


def parse_cache_url(value: str | None, name: str = "CACHE_URL") -> dict:
    """Unset: a table in PostgreSQL (``campaign.shared_cache``). ``redis://host:port/db``: Django's Redis backend.

    Either way every process and machine shares it.
    """
    if not value:
        return {"BACKEND": "campaign.shared_cache.PostgresCache"}
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://, got {parts.scheme!r}.")
    _port(name, parts)
    db = parts.path.lstrip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ImproperlyConfigured(f"{name} must end with a database number, as in redis://localhost:6379/0.")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": value}
