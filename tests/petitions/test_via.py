import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from organisations.models import Organisation
from organisations.sharing import share_url
from petitions import reach, services, tokens
from petitions.models import OrganisationReach, Signature
from tests.campaign.factories import make_user
from tests.organisations.factories import make_editor, make_organisation
from tests.petitions.factories import form_data, make_signature

SITE = "https://retrait-lsun.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def sud(db):
    return make_organisation("SUD éducation", slug="sud-education")


def reach_rows():
    return sorted(OrganisationReach.objects.values_list("organisation__slug", "day", "signatures"))


def true_reach():
    """The figures counted from the signatures themselves, by Paris day."""
    table = Organisation._meta.db_table
    select = "SELECT o.slug, (s.confirmed_at AT TIME ZONE %s)::date, count(*) FROM petitions_signature s"
    sql = " ".join(
        [select, f"JOIN {table} o ON o.id = s.via_id WHERE s.confirmed_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [settings.TIME_ZONE])
        return cursor.fetchall()


def kept_reach():
    return [row for row in reach_rows() if row[2]]


def test_the_triggers_count_paris_days_as_the_settings_do():
    # The migration writes 'Europe/Paris' in its SQL: the two must agree.
    assert settings.TIME_ZONE == "Europe/Paris"


def test_share_url_is_the_short_link(sud):
    assert share_url(sud) == f"{SITE}/s/sud-education/"


def test_short_link_leads_to_the_form_which_carries_the_organisation(client, petition, sud):
    response = client.get("/s/sud-education/")
    form_page = client.get(response["Location"])
    html = form_page.content.decode()

    assert response["Location"] == "/signer/?via=sud-education"
    assert '<input type="hidden" name="via" value="sud-education" id="id_via">' in html
    assert "Vous signez par le lien de SUD éducation." in html
    assert dict(form_page.cookies).keys() <= {"csrftoken"}


@pytest.mark.parametrize("status", [Organisation.Status.REFUSED, Organisation.Status.PENDING])
def test_short_link_of_an_organisation_not_approved_leads_to_the_plain_form(client, petition, status):
    make_organisation("Pas approuvée", slug="pas-approuvee", status=status, contact_confirmed_at=timezone.now())

    response = client.get("/s/pas-approuvee/")

    assert response["Location"] == "/signer/"


def test_a_signature_through_the_link_records_the_organisation(client, petition, sud):
    response = client.post("/signer/", form_data(via="sud-education"))

    assert response.status_code == 302
    assert Signature.objects.get().via == sud
    assert reach_rows() == []  # not confirmed yet


@pytest.mark.parametrize("via", ["inconnue", "refusee", "x" * 500, "'; DROP TABLE x; --"])
def test_an_unknown_or_refused_organisation_is_ignored_silently(client, petition, via):
    make_organisation("Refusée", slug="refusee", status=Organisation.Status.REFUSED)

    response = client.post("/signer/", form_data(via=via))

    assert response.status_code == 302
    assert Signature.objects.get().via is None


def test_confirmation_counts_for_the_organisation_and_withdrawal_erases_it(client, petition, sud):
    client.post("/signer/", form_data(via="sud-education"))
    signature = Signature.objects.get()

    client.post(f"/signer/confirmer/{tokens.confirmation_token(signature)}/")
    confirmed = reach_rows()
    client.post(f"/signer/retirer/{tokens.withdrawal_token(signature)}/")

    assert confirmed == [("sud-education", timezone.localdate(), 1)]
    assert Signature.objects.count() == 0
    assert kept_reach() == []


def test_figures_follow_every_change_of_the_signatures(petition, sud):
    icem = make_organisation("ICEM", slug="icem")
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Paris
    pending = [make_signature(petition, confirmed=False, via=sud) for _ in range(3)]
    make_signature(petition, via=icem, created_at=late_evening, confirmed_at=late_evening)
    make_signature(petition, via=None)

    Signature.objects.filter(pk__in=[s.pk for s in pending]).update(confirmed_at=timezone.now())  # one statement
    Signature.objects.filter(pk=pending[0].pk).update(via=icem)
    Signature.objects.filter(pk=pending[1].pk).update(last_reminded_at=timezone.now(), reminders_sent=1)
    services.withdraw(pending[2])

    today = timezone.localdate()
    assert kept_reach() == true_reach()
    assert kept_reach() == [("icem", date(2026, 3, 2), 1), ("icem", today, 1), ("sud-education", today, 1)]


def test_deleting_an_organisation_keeps_the_signatures_without_it(petition, sud):
    signature = make_signature(petition, via=sud)

    sud.delete()

    signature.refresh_from_db()
    assert signature.via is None
    assert reach_rows() == []


def test_deleting_a_petition_deletes_its_figures(petition, sud):
    make_signature(petition, via=sud)

    petition.delete()

    assert reach_rows() == []


def test_chart_days_fill_the_gaps_and_stop_at_sixty_days():
    days = [reach.Day(date(2026, 1, 1), 5), reach.Day(date(2026, 1, 3), 2)]

    chart = reach.chart_days(days, today=date(2026, 1, 4))
    long = reach.chart_days(days, today=date(2026, 6, 1))

    assert [(d.day.day, d.signatures) for d in chart] == [(1, 5), (2, 0), (3, 2), (4, 0)]
    assert len(long) == reach.CHART_DAYS
    assert long[-1].day == date(2026, 6, 1)


def editor_client(organisation):
    client = Client()
    client.force_login(make_editor(organisation, second_factor=True))
    return client


def test_editors_see_the_signatures_their_link_brought(petition, sud, django_assert_max_num_queries):
    icem = make_organisation("ICEM", slug="icem")
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        for _ in range(2):
            make_signature(petition, via=sud)
    for _ in range(3):
        make_signature(petition, via=sud)
    make_signature(petition, via=icem)
    make_signature(petition, via=sud, confirmed=False)
    client = editor_client(sud)

    html = client.get("/espace/organisations/sud-education/relayer/").content.decode()

    today, before = timezone.localdate(), timezone.localdate() - timedelta(days=2)
    rows = re.findall(r'<tr><th scope="row"><time datetime="([0-9-]+)">[^<]+</time></th><td>(\d+)</td></tr>', html)
    assert rows == [(today.isoformat(), "3"), (before.isoformat(), "2")]
    assert "5 signatures confirmées au total." in html
    assert html.count('<rect x="') == 2  # a bar for each day with signatures
    assert f'value="{SITE}/s/sud-education/"' in html
    assert f"{SITE}/widget/compteur/?via=sud-education" in html
    assert '<svg role="img"' in html  # the QR code


def test_the_editors_page_costs_a_few_queries(petition, sud, django_assert_max_num_queries):
    for _ in range(20):
        make_signature(petition, via=sud)
    client = editor_client(sud)
    client.get("/espace/organisations/sud-education/relayer/")

    with django_assert_max_num_queries(12):
        client.get("/espace/organisations/sud-education/relayer/")


def test_other_organisations_figures_are_hidden(client, petition, sud):
    icem = make_organisation("ICEM", slug="icem")
    make_signature(petition, via=sud)

    other = editor_client(icem).get("/espace/organisations/sud-education/relayer/")
    anonymous = client.get("/espace/organisations/sud-education/relayer/")
    public = client.get("/organisations/sud-education/").content.decode()

    assert other.status_code == 404
    assert anonymous.status_code == 302 and "/compte/connexion/" in anonymous["Location"]
    assert "/relayer/" not in public.split("<main", 1)[1].split("</main>")[0]


def test_qr_codes_of_the_link_download_as_svg_and_png(petition, sud):
    client = editor_client(sud)

    svg = client.get("/espace/organisations/sud-education/relayer/qr.svg")
    png = client.get("/espace/organisations/sud-education/relayer/qr.png")

    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<?xml")
    assert svg["Content-Disposition"] == 'attachment; filename="qr-sud-education.svg"'
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_staff_see_every_organisations_figures_in_the_admin(petition, sud):
    make_signature(petition, via=sud)
    staff = make_user(staff=True, superuser=True, second_factor=True)
    client = Client()
    client.force_login(staff)

    html = client.get("/admin/petitions/organisationreach/").content.decode()

    assert "SUD éducation" in html
    assert reach.totals(petition.id) == {sud.pk: 1}


def test_the_privacy_notice_says_what_an_organisation_sees(client, pages):
    html = client.get("/confidentialite/").content.decode()

    assert (
        "l'organisation voit seulement leur nombre par jour, jamais votre nom ni aucune autre donnée vous concernant"
        in html.replace("&#x27;", "'")
    )


def test_the_withdrawal_page_shows_the_organisation_before_erasing_it(client, petition, sud):
    signature = make_signature(petition, via=sud)

    html = client.get(f"/signer/retirer/{tokens.withdrawal_token(signature)}/").content.decode()

    assert "<dt>Venue par le lien de l'organisation</dt><dd>SUD éducation</dd>" in html
