import socket
import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory

from campaign import ratelimit
from campaign.env import Rate, parse_rates
from campaign.models import RateLimitHits

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"
START = 600 * 3_000_000  # a moment, far from any real one


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def use_store(settings, kind):
    """The default cache the site runs with (PostgreSQL without CACHE_URL, or Redis), with a key prefix of its own."""
    if kind == "redis":
        if not redis_available():
            pytest.skip("no Redis on 127.0.0.1:6379")
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL}
    else:
        backend = {"BACKEND": "campaign.shared_cache.PostgresCache"}
    settings.CACHES = {**settings.CACHES, "default": {**backend, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture(params=["postgres", "redis"])
def store(request, settings, db):
    use_store(settings, request.param)
    return request.param


def test_parse_rates():
    assert parse_rates("5/10m,30/1d") == [Rate(5, 600), Rate(30, 86400)]
    assert parse_rates(" 3 / s , 100/2h ") == [Rate(3, 1), Rate(100, 7200)]
    assert parse_rates("") == []


@pytest.mark.parametrize("value", ["5", "5/10", "5/10y", "five/10m", "0/10m", "5/0m", "5/10m,", "5/10m;30/1d"])
def test_malformed_rates_name_the_setting(value):
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_rates(value, name="SIGNATURE_RATE_LIMITS")

    assert str(raised.value).startswith("SIGNATURE_RATE_LIMITS ")


def test_limit_is_reached_then_each_hit_ages_out_after_its_period(store):
    rates = [Rate(3, 600)]

    def hit(seconds, client="client-a"):
        return ratelimit.hit("sign", client, rates, now=START + seconds)

    within = [hit(second) for second in (0, 1, 2)]
    over = hit(599)
    other_client = hit(599, client="client-b")
    first_aged_out = hit(600)
    still_over = hit(600.5)
    second_aged_out = hit(601)

    assert (within, over, other_client) == ([True, True, True], False, True)
    assert (first_aged_out, still_over, second_aged_out) == (True, False, True)


def test_no_burst_across_a_clock_boundary(store):
    # Fixed windows would allow 5 just before 10:00 and 5 more just after.
    rates = [Rate(5, 600)]

    results = [ratelimit.hit("sign", "client", rates, now=START - 5 + second) for second in range(10)]

    assert results == [True] * 5 + [False] * 5


def test_refused_hits_are_not_recorded(store):
    rates = [Rate(2, 60)]
    hammering = [ratelimit.hit("sign", "client", rates, now=START + second) for second in range(59)]

    # The first hit is a minute old: one more is allowed, however hard the client knocked meanwhile.
    assert hammering == [True, True] + [False] * 57
    assert ratelimit.hit("sign", "client", rates, now=START + 60) is True
    assert ratelimit.hit("sign", "client", rates, now=START + 60.5) is False


def test_every_rate_applies(store):
    rates = [Rate(2, 60), Rate(3, 86400)]

    results = [ratelimit.hit("sign", "client", rates, now=START + minute * 60) for minute in range(5)]

    # Two per minute would allow all five; three per day stops the fourth.
    assert results == [True, True, True, False, False]


def test_scopes_are_counted_apart(store):
    rates = [Rate(1, 600)]

    assert [ratelimit.hit(scope, "client", rates, now=START) for scope in ("sign", "join", "sign")] == [
        True,
        True,
        False,
    ]


def test_no_rates_means_no_limit_and_no_round_trip(store, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert all(ratelimit.hit("sign", "client", [], now=START) for _ in range(10))


def test_a_hit_is_one_statement_in_postgresql(settings, db, django_assert_num_queries):
    use_store(settings, "postgres")
    ratelimit.hit("sign", "client", [Rate(5, 600), Rate(30, 86400)], now=START)

    with django_assert_num_queries(1):
        ratelimit.hit("sign", "client", [Rate(5, 600), Rate(30, 86400)], now=START + 1)

    [row] = RateLimitHits.objects.all()
    assert (row.hits, row.accepted, row.expires) == ([START, START + 1], True, START + 1 + 86400)
    assert "client" in row.key and "127.0.0.1" not in row.key


def test_rows_past_their_longest_period_are_swept(settings, db):
    use_store(settings, "postgres")
    ratelimit.hit("sign", "old", [Rate(5, 600)], now=START)
    ratelimit.hit("sign", "recent", [Rate(5, 600)], now=START + 300)

    kept = ratelimit.sweep(now=START + 599)
    swept = ratelimit.sweep(now=START + 600)

    assert (kept, swept) == (0, 1)
    assert [key.rsplit(":", 1)[-1] for key in RateLimitHits.objects.values_list("key", flat=True)] == ["recent"]


def test_redis_keys_expire_after_the_longest_period(settings):
    use_store(settings, "redis")
    from django.core.cache import caches

    ratelimit.hit("sign", "client", [Rate(5, 600), Rate(30, 86400)])
    key = caches["default"].make_key("ratelimit:sign:client")
    client = caches["default"]._cache.get_client(key)

    assert 86_399_000 <= client.pttl(key) <= 86_400_000
    client.delete(key)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_concurrent_hits_are_all_counted(settings, kind):
    use_store(settings, kind)
    rates = [Rate(25, 600), Rate(40, 86400)]
    results = []
    barrier = threading.Barrier(10)

    def client():
        try:
            barrier.wait()
            for _ in range(5):
                results.append(ratelimit.hit("sign", "crowd", rates, now=START + 1))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 25 + [True] * 25


def test_clients_are_keyed_by_network_not_by_address(store, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()

    def request(forwarded_for):
        return factory.post("/signer/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    rates = [Rate(1, 600)]
    first = ratelimit.allow(request("2001:db8:1:2::1"), "sign", rates)
    same_subscriber = ratelimit.allow(request("2001:db8:1:2::ffff"), "sign", rates)
    other_subscriber = ratelimit.allow(request("2001:db8:1:3::1"), "sign", rates)

    assert (first, same_subscriber, other_subscriber) == (True, False, True)


def test_a_cache_of_one_process_is_refused(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with pytest.raises(ImproperlyConfigured):
        ratelimit.hit("sign", "client", [Rate(1, 600)])
