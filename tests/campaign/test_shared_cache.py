"""The PostgreSQL cache: what allauth and the anti-robot stamps rely on, for every process at once."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection

from campaign import ratelimit
from campaign.env import Rate
from campaign.models import RateLimitHits, SharedCacheEntry
from campaign.shared_cache import PostgresCache
from campaign.tasks import prune_shared_store

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def postgres_cache(settings):
    """The default cache without CACHE_URL (the suite may run with one)."""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "campaign.shared_cache.PostgresCache"}}


@pytest.fixture
def cache(db):
    backend = caches["default"]
    assert isinstance(backend, PostgresCache)
    return backend


def test_values_come_back_as_they_were_stored(cache):
    values = {
        "dict": {"a": [1, 2.5, None]},
        "text": "Zoé",
        "number": 42,
        "huge": 2**70,
        "flag": True,
        "nothing": None,
    }
    for key, value in values.items():
        cache.set(key, value)

    assert {key: cache.get(key, "missing") for key in values} == values
    assert cache.get("unknown", "missing") == "missing"
    # Integers are kept as numbers (so incr() is arithmetic in SQL), everything else pickled; True is not 1.
    assert SharedCacheEntry.objects.get(key=cache.make_key("number")).number == 42
    assert SharedCacheEntry.objects.get(key=cache.make_key("flag")).number is None


def test_entries_expire_with_their_timeout(cache):
    with time_machine.travel(T0, tick=False):
        cache.set("short", "value", timeout=10)
        cache.set("forever", "value", timeout=None)
        cache.set("never", "value", timeout=0)

    with time_machine.travel(T0 + timedelta(seconds=9), tick=False):
        assert (cache.get("short"), cache.has_key("short"), cache.get("never")) == ("value", True, None)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert (cache.get("short"), cache.has_key("short")) == (None, False)
    with time_machine.travel(T0 + timedelta(days=3650), tick=False):
        assert cache.get("forever") == "value"


def test_add_only_when_absent_or_expired(cache):
    with time_machine.travel(T0, tick=False):
        first = cache.add("lock", "one", timeout=10)
        second = cache.add("lock", "two", timeout=10)
    with time_machine.travel(T0 + timedelta(seconds=11), tick=False):
        after_expiry = cache.add("lock", "three", timeout=10)
        value = cache.get("lock")

    assert (first, second, after_expiry, value) == (True, False, True, "three")


def test_incr_touch_delete(cache):
    cache.set("count", 1, timeout=None)
    cache.set("text", "un", timeout=None)

    assert [cache.incr("count"), cache.incr("count", 5), cache.decr("count")] == [2, 7, 6]
    with pytest.raises(ValueError):
        cache.incr("absent")
    with pytest.raises(ValueError):
        cache.incr("text")
    with time_machine.travel(T0, tick=False):
        assert cache.touch("count", timeout=5) is True
    with time_machine.travel(T0 + timedelta(seconds=6), tick=False):
        assert cache.get("count") is None
        assert cache.touch("count") is False
    assert (cache.delete("text"), cache.delete("text")) == (True, False)


def test_sweep_deletes_expired_entries_only(cache):
    with time_machine.travel(T0, tick=False):
        cache.set("old", 1, timeout=10)
        cache.set("young", 1, timeout=100)
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        swept = cache.sweep()

    assert swept == 1
    assert list(SharedCacheEntry.objects.values_list("key", flat=True)) == [cache.make_key("young")]


def test_the_worker_sweeps_both_tables_every_hour(cache, settings):
    with time_machine.travel(T0, tick=False):
        cache.set("stamp", "used", timeout=60)
        ratelimit.hit("sign", "client", [Rate(5, 60)])
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        early = prune_shared_store.call()
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        late = prune_shared_store.call()

    assert (early, late) == ({"cache_entries": 0, "rate_limits": 0}, {"cache_entries": 1, "rate_limits": 1})
    assert (SharedCacheEntry.objects.count(), RateLimitHits.objects.count()) == (0, 0)
    assert settings.PERIODIC_TASKS["prune-shared-store"] == ("campaign.tasks.prune_shared_store", 3600)


def test_clear_and_key_prefix(cache, settings):
    cache.set("shared", 1)
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "KEY_PREFIX": "other"}}
    other = caches["default"]

    assert (other.get("shared"), other.add("shared", 2), cache.get("shared")) == (None, True, 1)
    other.clear()
    assert SharedCacheEntry.objects.count() == 0


def _race(target, threads=10):
    barrier = threading.Barrier(threads)
    results = []

    def run():
        try:
            barrier.wait()
            results.extend(target())
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_add_is_atomic_across_connections():
    cache = caches["default"]

    results = _race(lambda: [cache.add("the-lock", "mine", timeout=60)])

    assert sorted(results) == [False] * 9 + [True]


@pytest.mark.django_db(transaction=True)
def test_incr_is_atomic_across_connections():
    cache = caches["default"]
    cache.set("hits", 0, timeout=60)

    results = _race(lambda: [cache.incr("hits") for _ in range(20)])

    assert sorted(results) == list(range(1, 201))
    assert cache.get("hits") == 200
