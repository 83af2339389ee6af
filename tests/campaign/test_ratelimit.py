import socket
import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from campaign import ratelimit
from campaign.ratelimit import Rate, parse_rates


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """The rate limits on each kind of cache the site may run with, under a key prefix of this test's own."""
    prefix = f"test-{uuid.uuid4().hex}"
    if request.param == "redis":
        if not redis_available():
            pytest.skip("no Redis on 127.0.0.1:6379")
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix}
    settings.CACHES = {"default": {**backend, "KEY_PREFIX": prefix}}
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


def test_limit_is_reached_then_the_window_resets(any_cache):
    rates = [Rate(3, 600)]
    start = 600 * 3_000_000  # the start of a window

    within = [ratelimit.hit("sign", "client-a", rates, now=start + second) for second in (0, 1, 2)]
    over = ratelimit.hit("sign", "client-a", rates, now=start + 599)
    other_client = ratelimit.hit("sign", "client-b", rates, now=start + 599)
    next_window = ratelimit.hit("sign", "client-a", rates, now=start + 600)

    assert (within, over, other_client, next_window) == ([True, True, True], False, True, True)


def test_every_rate_applies(any_cache):
    rates = [Rate(2, 60), Rate(3, 86400)]
    day = 86400 * 20_000

    results = [ratelimit.hit("sign", "client", rates, now=day + minute * 60) for minute in range(5)]

    # Two per minute would allow all five; three per day stops the fourth.
    assert results == [True, True, True, False, False]


def test_concurrent_hits_are_all_counted(any_cache):
    rates = [Rate(25, 600)]
    start = 600 * 3_000_000
    results = []
    barrier = threading.Barrier(10)

    def client():
        barrier.wait()
        for _ in range(5):
            results.append(ratelimit.hit("sign", "crowd", rates, now=start + 1))

    threads = [threading.Thread(target=client) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 25 + [True] * 25


def test_clients_are_keyed_by_network_not_by_address(any_cache, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()

    def request(forwarded_for):
        return factory.post("/signer/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    rates = [Rate(1, 600)]
    first = ratelimit.allow(request("2001:db8:1:2::1"), "sign", rates)
    same_subscriber = ratelimit.allow(request("2001:db8:1:2::ffff"), "sign", rates)
    other_subscriber = ratelimit.allow(request("2001:db8:1:3::1"), "sign", rates)

    assert (first, same_subscriber, other_subscriber) == (True, False, True)
