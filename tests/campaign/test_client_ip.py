import pytest
from django.test import RequestFactory

from campaign.client_ip import client_ip, client_key


def request_from(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # A client writing its own header cannot choose its address.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),
        (1, "", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_trusted_proxies_are_counted_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(request_from("10.0.0.1", forwarded)) == expected


def test_client_key_hides_the_address_and_groups_ipv6_by_64(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    key_a = client_key(request_from("2001:db8:1:2::1"))
    key_b = client_key(request_from("2001:db8:1:2:ffff::9"))
    key_c = client_key(request_from("2001:db8:1:3::1"))

    assert key_a == key_b
    assert key_a != key_c
    assert "2001" not in key_a
    assert client_key(request_from("192.0.2.1")) != client_key(request_from("192.0.2.2"))
