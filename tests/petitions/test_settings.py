import pytest
from django.core.exceptions import ImproperlyConfigured

from campaign.env import Rate
from tests.campaign.test_settings import load_settings


@pytest.fixture(autouse=True)
def no_petition_variables(monkeypatch):
    for name in ("SIGNATURE_RATE_LIMITS", "SIGNATURE_RETENTION_MONTHS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch):
    settings = load_settings(monkeypatch)

    assert settings["SIGNATURE_RATE_LIMITS"] == [Rate(5, 600), Rate(30, 86400)]
    assert settings["SIGNATURE_RETENTION_MONTHS"] == 6
    assert settings["SIGNATURE_CONFIRMATION_DAYS"] == 7
    assert settings["PERIODIC_TASKS"]["prune-signatures"] == ("petitions.tasks.prune_signatures", 86400)


def test_values_from_the_environment(monkeypatch):
    settings = load_settings(monkeypatch, SIGNATURE_RATE_LIMITS="20/1h", SIGNATURE_RETENTION_MONTHS="3")

    assert (settings["SIGNATURE_RATE_LIMITS"], settings["SIGNATURE_RETENTION_MONTHS"]) == ([Rate(20, 3600)], 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGNATURE_RATE_LIMITS", "5 per minute"),
        ("SIGNATURE_RATE_LIMITS", "0/10m"),
        ("SIGNATURE_RETENTION_MONTHS", "six"),
        ("SIGNATURE_RETENTION_MONTHS", "0"),
    ],
)
def test_malformed_variable_is_named_in_the_error(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured) as raised:
        load_settings(monkeypatch, **{name: value})

    assert str(raised.value).startswith(f"{name} ")
