import json
from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from organisations.models import Organisation
from petitions import counter
from petitions.models import Signature, SignatureCounter
from tests.campaign.html_text import block_texts
from tests.petitions.factories import make_petition, make_signature


def reconcile_output(*args):
    out = StringIO()
    call_command("reconcile_counts", *args, stdout=out)
    return out.getvalue()


def test_confirming_and_withdrawing_move_the_stored_count(petition):
    pending = make_signature(petition, confirmed=False, show_name=True)
    make_signature(petition, confirmed=True, show_name=False)
    assert counter.stored_counts(petition.pk) == (1, 0)

    Signature.objects.filter(pk=pending.pk).update(confirmed_at=timezone.now())
    assert counter.stored_counts(petition.pk) == (2, 1)

    Signature.objects.filter(pk=pending.pk).update(show_name=False)
    assert counter.stored_counts(petition.pk) == (2, 0)

    Signature.objects.filter(pk=pending.pk).delete()
    assert counter.stored_counts(petition.pk) == (1, 0)


def test_bulk_statements_move_the_count_once_each(petition):
    other = make_petition()
    now = timezone.now()
    Signature.objects.bulk_create(
        [
            Signature(
                petition=petition if number % 3 else other,
                first_name="A",
                last_name="B",
                email=f"s{number}@example.org",
                email_normalised=f"s{number}@example.org",
                postcode="75011",
                departement="75",
                role="autre",
                appeal_revision=petition.appeal.current_revision(),
                show_name=number % 2 == 0,
                created_at=now,
                confirmed_at=now if number % 5 else None,
            )
            for number in range(300)
        ]
    )

    assert counter.stored_counts(petition.pk) == counter.true_counts(petition.pk)
    assert counter.stored_counts(other.pk) == counter.true_counts(other.pk)
    # One row per statement and petition (at most the 16 shards), not one per signature.
    assert SignatureCounter.objects.count() == 2

    Signature.objects.filter(email__endswith="0@example.org").delete()
    Signature.objects.filter(show_name=False).update(show_name=True)

    assert counter.stored_counts(petition.pk) == counter.true_counts(petition.pk)
    assert counter.stored_counts(other.pk) == counter.true_counts(other.pk)


def test_updates_that_change_no_count_touch_no_counter(petition):
    signature = make_signature(petition)
    before = list(SignatureCounter.objects.values_list("pk", "confirmed", "updated_at"))

    Signature.objects.filter(pk=signature.pk).update(reminders_sent=1, last_reminded_at=timezone.now())

    assert list(SignatureCounter.objects.values_list("pk", "confirmed", "updated_at")) == before


def test_deleting_a_petition_leaves_no_counter_behind(petition):
    other = make_petition()
    make_signature(other)

    other.delete()

    assert not SignatureCounter.objects.filter(petition_id=other.pk).exists()


def test_reconcile_finds_nothing_to_fix_when_counts_are_exact(petition):
    for _ in range(3):
        make_signature(petition, show_name=True)

    assert (
        reconcile_output()
        == "retrait-lsun: 3 confirmed / 3 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"
    )


def test_reconcile_fixes_and_reports_a_drift(petition):
    for _ in range(3):
        make_signature(petition)
    # Drift as after a restore or a bulk load with the triggers disabled.
    SignatureCounter.objects.filter(petition=petition).delete()
    SignatureCounter.objects.create(petition=petition, shard=0, confirmed=10)
    SignatureCounter.objects.create(petition=petition, shard=1, confirmed=-2, public=4)

    checked = reconcile_output("--check")
    fixed = reconcile_output()
    again = reconcile_output()

    assert checked == (
        "retrait-lsun: stored 8 confirmed / 4 public, counted 3 / 0: not fixed (--check).\n"
        "paper: 0 accepted, exact.\n1 count(s) were wrong.\n"
    )
    assert fixed == (
        "retrait-lsun: stored 8 confirmed / 4 public, counted 3 / 0: fixed.\n"
        "paper: 0 accepted, exact.\n1 count(s) were wrong.\n"
    )
    assert again == "retrait-lsun: 3 confirmed / 0 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"
    assert counter.stored_counts(petition.pk) == (3, 0)


def test_count_is_served_from_the_cache_for_a_few_seconds(petition, settings, django_assert_num_queries):
    make_signature(petition)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        first = counter.featured()
    make_signature(petition)
    with time_machine.travel(start + timedelta(seconds=9), tick=False), django_assert_num_queries(0):
        cached = counter.featured()

    assert (first.signatures, cached.signatures) == (1, 1)
    assert counter.featured(fresh=True).signatures == 2
    assert counter.featured().signatures == 2


def test_snapshot_reads_everything_in_one_query(petition, django_assert_num_queries):
    make_signature(petition, show_name=True)
    make_signature(petition)
    Organisation.objects.create(name="SUD éducation", slug="sud", status="approved", approved_at=timezone.now())
    Organisation.objects.create(name="En attente", slug="attente")

    with django_assert_num_queries(1):
        snapshot = counter.featured(fresh=True)

    assert (snapshot.signatures, snapshot.public, snapshot.hidden, snapshot.organisations) == (2, 1, 1, 1)
    assert snapshot.updated_at == SignatureCounter.objects.latest("updated_at").updated_at


def test_api_gives_the_count_with_cache_and_cors_headers(client, petition):
    for _ in range(3):
        make_signature(petition)
    Organisation.objects.create(name="ICEM", slug="icem", status="approved", approved_at=timezone.now())
    last_change = SignatureCounter.objects.latest("updated_at").updated_at

    response = client.get("/api/petition.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=10, stale-if-error=86400, stale-while-revalidate=30"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert dict(response.cookies) == {}
    assert json.loads(response.content) == {
        "signatures": 3,
        "online": 3,
        "paper": 0,
        "goal": 10000,
        "organisations": 1,
        "updated_at": last_change.isoformat(),
        "open": True,
        "closes_at": None,
    }


def test_api_without_signatures_dates_the_count_from_the_opening(client, petition):
    data = json.loads(client.get("/api/petition.json").content)

    assert (data["signatures"], data["updated_at"]) == (0, petition.opens_at.isoformat())


def test_home_page_shows_the_count_progress_and_a_link_to_sign(client, petition):
    petition.goal = 40
    petition.save()
    for _ in range(3):
        make_signature(petition)

    response = client.get("/")
    html = response.content.decode()

    assert dict(response.cookies) == {}
    assert block_texts(html, "petition-call") == [
        "3 signatures sur un objectif de 40",
        "Signer l'appel",
        "Voir les signataires · Les chiffres, département par département",
    ]
    assert (
        '<progress class="petition-progress" max="40" value="3" aria-labelledby="petition-count" '
        "data-counter-progress>7 %</progress>"
    ) in html
    assert '<a class="button button-large" href="/signer/">Signer l\'appel</a>' in html
    assert "<form" not in html
    assert '<script src="/static/js/counter.js" defer></script>' in html


def test_progress_bar_stops_at_the_goal(client, petition):
    petition.goal = 2
    petition.save()
    for _ in range(5):
        make_signature(petition)

    html = client.get("/").content.decode()

    assert 'max="2" value="2"' in html
    assert ">100 %</progress>" in html
    assert block_texts(html, "petition-call")[0] == "5 signatures sur un objectif de 2"


def test_large_counts_are_grouped_by_thousands(client, petition):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO petitions_signaturecounter (petition_id, shard, confirmed, public, updated_at) "
            "VALUES (%s, 3, 1234567, 0, now())",
            [petition.pk],
        )

    html = client.get("/").content.decode()

    assert "data-counter-number>1\xa0234\xa0567</strong>" in html
    assert block_texts(html, "petition-call")[0] == "1 234 567 signatures sur un objectif de 10 000"


def test_closed_petition_on_the_home_page(client, petition):
    make_signature(petition)
    petition.closes_at = timezone.now() - timedelta(hours=1)
    petition.save()

    texts = block_texts(client.get("/").content.decode(), "petition-call")

    assert texts[0] == "1 signature sur un objectif de 10 000"
    assert texts[1].startswith("La pétition est close depuis le ")
    assert texts[2] == "Voir les signataires · Les chiffres, département par département"


def test_home_page_without_a_petition_shows_no_call(client, pages):
    assert block_texts(client.get("/").content.decode(), "petition-call") == []
