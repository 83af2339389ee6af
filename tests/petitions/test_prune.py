from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from campaign.models import OutgoingEmail
from campaign.schedule import enqueue_due
from petitions import counter, services
from petitions.models import Petition, Signature, SignatureTally
from tests.campaign.html_text import block_texts
from tests.petitions.factories import make_petition, make_signature

# Emails about a signature, as the signing path queues them.
KIND = "petitions.signature_confirm"

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def prune(*args):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("prune_signatures", *args, stdout=out)
    return out.getvalue()


def test_unconfirmed_signatures_are_deleted_after_seven_days_with_their_emails(petition):
    stale = make_signature(petition, confirmed=False, created_at=NOW - timedelta(days=7, seconds=1))
    recent = make_signature(petition, confirmed=False, created_at=NOW - timedelta(days=6, hours=23))
    old_but_confirmed = make_signature(
        petition, created_at=NOW - timedelta(days=30), confirmed_at=NOW - timedelta(days=29)
    )
    OutgoingEmail.objects.create(kind=KIND, key=stale.email_key("confirm", 0), recipient=stale.email, status="failed")

    dry = prune("--dry-run")
    assert Signature.objects.count() == 3
    real = prune()

    assert dry == "Would delete 1 unconfirmed signature(s).\n"
    assert real == "Deleted 1 unconfirmed signature(s).\n"
    assert set(Signature.objects.values_list("pk", flat=True)) == {recent.pk, old_but_confirmed.pk}
    assert OutgoingEmail.objects.count() == 0


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert services.add_months(datetime(2026, 8, 31, 18, 0, tzinfo=UTC), 6) == datetime(2027, 2, 28, 18, 0, tzinfo=UTC)
    assert services.add_months(datetime(2026, 6, 15, tzinfo=UTC), 6) == datetime(2026, 12, 15, tzinfo=UTC)
    assert services.add_months(datetime(2027, 11, 30, tzinfo=UTC), 3) == datetime(2028, 2, 29, tzinfo=UTC)


@pytest.fixture
def closed_petition(pages):
    """Closed on 31 August 2026; its signers are due for erasure on 28 February 2027 (six months)."""
    petition = make_petition(
        slug="closed", opens_at=datetime(2026, 1, 5, tzinfo=UTC), closes_at=datetime(2026, 8, 31, 18, 0, tzinfo=UTC)
    )
    signed = [
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "38", True),
        (datetime(2026, 3, 1, 22, 30, tzinfo=UTC), "38", True),  # 23:30 in Paris: still 1 March
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "38", False),  # 00:30 in Paris: 2 March
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "2A", True),
        (datetime(2026, 4, 2, 9, 0, tzinfo=UTC), "etranger", False),
    ]
    for moment, departement, show_name in signed:
        make_signature(
            petition,
            departement=departement,
            postcode="" if departement == "etranger" else "20000",
            show_name=show_name,
            created_at=moment - timedelta(minutes=5),
            confirmed_at=moment,
        )
    make_signature(petition, confirmed=False, created_at=datetime(2026, 8, 31, 17, 0, tzinfo=UTC))
    return petition


def test_closed_petition_is_erased_after_six_months_keeping_counts_per_departement_and_day(closed_petition):
    signature = Signature.objects.filter(petition=closed_petition).first()
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("already", 1), recipient=signature.email)
    before = counter.stored_counts(closed_petition.pk)

    output = prune()

    assert output == (
        "Deleted 1 unconfirmed signature(s).\nErased the 5 signature(s) of closed petition 'closed'; counts kept.\n"
    )
    assert Signature.objects.filter(petition=closed_petition).count() == 0
    assert OutgoingEmail.objects.count() == 0
    assert list(
        SignatureTally.objects.filter(petition=closed_petition).values_list("day", "departement", "signatures")
    ) == [
        (date(2026, 3, 1), "38", 2),
        (date(2026, 3, 2), "2A", 1),
        (date(2026, 3, 2), "38", 1),
        (date(2026, 4, 2), "etranger", 1),
    ]
    assert before == (5, 3)
    assert counter.stored_counts(closed_petition.pk) == (5, 0)
    assert counter.true_counts(closed_petition.pk) == (5, 0)
    closed_petition.refresh_from_db()
    assert closed_petition.archived_at == NOW
    assert prune() == "Deleted 0 unconfirmed signature(s).\n"


def test_erasure_waits_for_the_retention_period(closed_petition, settings):
    settings.SIGNATURE_RETENTION_MONTHS = 7

    assert prune("--dry-run") == "Would delete 1 unconfirmed signature(s).\n"
    assert prune() == "Deleted 1 unconfirmed signature(s).\n"
    assert Signature.objects.filter(petition=closed_petition).count() == 5


def test_dry_run_erases_nothing(closed_petition):
    output = prune("--dry-run")

    assert output == (
        "Would delete 1 unconfirmed signature(s).\n"
        "Would erase the 6 signature(s) of closed petition 'closed'; counts kept.\n"
    )
    assert Signature.objects.filter(petition=closed_petition).count() == 6
    assert SignatureTally.objects.count() == 0
    assert Petition.objects.get(pk=closed_petition.pk).archived_at is None


def test_reconcile_counts_the_tallies_after_erasure(closed_petition):
    prune()
    out = StringIO()

    call_command("reconcile_counts", stdout=out)

    assert out.getvalue() == "closed: 5 confirmed / 0 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"


def test_signatories_page_after_erasure(client, closed_petition):
    closed_petition.featured = True
    closed_petition.save()
    prune()

    html = client.get("/signataires/").content.decode()

    assert block_texts(html, "petition-counter") == ["5 signatures sur un objectif de 1 000"]
    assert (
        "<p>La pétition est close et, comme promis, les données personnelles des signataires ont été effacées le "
        "1 mars 2027. Seuls restent les totaux.</p>"
    ) in html
    assert 'class="signatories"' not in html


def test_the_worker_prunes_daily(petition, run_tasks):
    assert settings.PERIODIC_TASKS["prune-signatures"] == ("petitions.tasks.prune_signatures", 24 * 3600)
    make_signature(petition, confirmed=False, created_at=NOW - timedelta(days=8))

    with time_machine.travel(NOW, tick=False):
        enqueue_due()
        run_tasks()

    result = DBTaskResult.objects.get(task_path="petitions.tasks.prune_signatures")
    assert (result.status, result.return_value) == ("SUCCESSFUL", {"unconfirmed": 1, "erased": {}})
    assert Signature.objects.count() == 0
