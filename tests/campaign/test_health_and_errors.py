from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client
from django.utils import timezone

from campaign.models import OutgoingEmail
from campaign.outbox import deliver_pending_emails
from tests.conftest import free_port


@pytest.fixture
def database_down(db):
    """Point the default connection at a closed port for the duration of a test."""
    real = connections["default"]
    settings_dict = {
        **real.settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "OPTIONS": {"connect_timeout": 2},
    }
    # No pool in OPTIONS: a pool is shared per alias and would reach the real server.
    connections["default"] = DatabaseWrapper(settings_dict, alias="default")
    yield
    connections["default"] = real


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "queue": {"ready": 0, "oldest_seconds": 0},
        "outbox": {"due": 0, "oldest_seconds": 0},
    }


def test_healthz_reports_the_age_of_the_backlog(client, db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        OutgoingEmail.objects.create(key="k", kind="campaign.account_message", recipient="a@example.org")
        deliver_pending_emails.enqueue()

    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        response = client.get("/healthz")

    assert response.json()["queue"] == {"ready": 1, "oldest_seconds": 90.0}
    assert response.json()["outbox"] == {"due": 1, "oldest_seconds": 90.0}


def test_healthz_is_503_when_the_database_is_unreachable(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_pages_say_so_in_french_when_the_database_is_unreachable(database_down):
    response = Client(raise_request_exception=False).get("/")

    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "<h1>Site momentanément indisponible</h1>" in html
    assert "Traceback" not in html


def test_not_found_page_in_french(client, pages):
    response = client.get("/nulle-part/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in html
    assert '<html lang="fr">' in html


def test_server_error_page_in_french(rf, settings):
    from campaign.views import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in response.content.decode()
