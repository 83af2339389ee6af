import pytest
from django.core.exceptions import ImproperlyConfigured

from campaign.env import Rate
from tests.campaign.test_settings import load_settings


def test_join_requests_are_limited_like_signatures_and_searches(monkeypatch):
    monkeypatch.delenv("ORGANISATION_JOIN_RATE_LIMITS", raising=False)

    assert load_settings(monkeypatch)["ORGANISATION_JOIN_RATE_LIMITS"] == [Rate(5, 3600)]
    assert load_settings(monkeypatch, ORGANISATION_JOIN_RATE_LIMITS="3/1h,10/1d")["ORGANISATION_JOIN_RATE_LIMITS"] == [
        Rate(3, 3600),
        Rate(10, 86400),
    ]
    with pytest.raises(ImproperlyConfigured, match="ORGANISATION_JOIN_RATE_LIMITS"):
        load_settings(monkeypatch, ORGANISATION_JOIN_RATE_LIMITS="(5, 3600)")
