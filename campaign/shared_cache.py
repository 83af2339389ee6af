"""The cache every process and machine shares when there is no Redis: a PostgreSQL table.

Without ``CACHE_URL`` the ``default`` cache is this backend, so that what
must hold for the whole deployment does, whatever the number of processes:
allauth's rate limits (login, password reset, address confirmation) and its
used two-factor codes (a code accepted by one process must be refused by
every other), and the used anti-robot stamps (``campaign.antispam``). Pages'
hot reads, such as the petition's count, use the ``local`` alias instead
(this process's memory), so they cost no round trip.

Each operation is one statement on ``campaign_shared_cache`` (an UNLOGGED
table: see ``SharedCacheEntry``): ``add`` is an ``INSERT … ON CONFLICT DO
UPDATE … WHERE expired`` and ``incr`` an ``UPDATE … RETURNING``, both atomic
whatever the number of processes, as they are in Redis. Expired rows are
ignored by reads and deleted by ``sweep()`` (the ``prune-shared-store``
periodic task). Statements run on the ``default`` database connection, in
the caller's transaction if there is one.
"""

import math
import pickle
import time
from functools import cached_property

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connection

from campaign.models import SharedCacheEntry


class PostgresCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)

    @cached_property
    def _table(self):
        return connection.ops.quote_name(SharedCacheEntry._meta.db_table)

    def _expires(self, timeout):
        expires = self.get_backend_timeout(timeout)
        return math.inf if expires is None else expires

    @staticmethod
    def _columns(value):
        """(value, number): integers stay numbers (bigint), so that incr() can add in SQL."""
        if type(value) is int and -(2**63) <= value < 2**63:
            return None, value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL), None

    @staticmethod
    def _load(row):
        value, number = row
        return number if value is None else pickle.loads(value)  # noqa: S301 - our own table

    @staticmethod
    def _fetch(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    @staticmethod
    def _count(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            f"SELECT value, number FROM {self._table} WHERE key = %s AND expires > %s",  # noqa: S608
            [key, time.time()],
        )
        return default if row is None else self._load(row)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._count(
            f"INSERT INTO {self._table} (key, value, number, expires) VALUES (%s, %s, %s, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, number = excluded.number, "
            "expires = excluded.expires",
            [key, *self._columns(value), self._expires(timeout)],
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        # Inserted, or an expired entry replaced: True. A live entry: no row returned.
        row = self._fetch(
            f"INSERT INTO {self._table} AS entry (key, value, number, expires) VALUES (%s, %s, %s, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, number = excluded.number, "
            "expires = excluded.expires WHERE entry.expires <= %s RETURNING true",
            [key, *self._columns(value), self._expires(timeout), time.time()],
        )
        return row is not None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(
            self._count(
                f"UPDATE {self._table} SET expires = %s WHERE key = %s AND expires > %s",  # noqa: S608
                [self._expires(timeout), key, time.time()],
            )
        )

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            f"DELETE FROM {self._table} WHERE key = %s RETURNING expires > %s",  # noqa: S608
            [key, time.time()],
        )
        return bool(row and row[0])

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            f"SELECT true FROM {self._table} WHERE key = %s AND expires > %s",  # noqa: S608
            [key, time.time()],
        )
        return row is not None

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            f"UPDATE {self._table} SET number = number + %s "  # noqa: S608
            "WHERE key = %s AND expires > %s AND number IS NOT NULL RETURNING number",
            [delta, key, time.time()],
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def clear(self):
        self._count(f"DELETE FROM {self._table}", [])  # noqa: S608

    def sweep(self):
        """Delete expired entries; return how many."""
        return self._count(f"DELETE FROM {self._table} WHERE expires <= %s", [time.time()])  # noqa: S608
