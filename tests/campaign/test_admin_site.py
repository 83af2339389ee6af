"""The admin under the campaign's name, in French, with times in Paris time and the zone named."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from campaign.models import Page, SecondFactor
from tests.campaign.factories import enrol_totp, make_user
from tests.campaign.html_text import block_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = enrol_totp(make_user("equipe@example.org", superuser=True))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def column_headers(html):
    headers = re.findall(r'<th scope="col" class="[^"]*column-[^"]*"[^>]*>(.*?)</th>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", header).split()) for header in headers]


def test_the_admin_carries_the_campaigns_name(staff):
    html = staff.get("/admin/").content.decode()

    assert "<title>Accueil de la gestion | Gestion du site</title>" in html
    assert '<a href="/admin/">Retrait du LSUN — gestion du site</a>' in html
    assert "Django" not in html


def test_what_staff_never_need_is_hidden(staff):
    html = staff.get("/admin/").content.decode()

    assert re.findall(r"MFA|Authenticator|Task|TASK|Tâches périodiques", html) == []
    assert staff.get("/admin/django_tasks_db/dbtaskresult/").status_code == 404
    assert staff.get("/admin/mfa/authenticator/").status_code == 404
    assert staff.get("/admin/campaign/scheduledjob/").status_code == 404


def test_second_factors_are_listed_in_french_without_their_secrets(staff):
    factor = SecondFactor.objects.get(user=staff.user, type="totp")

    listing = staff.get("/admin/campaign/secondfactor/").content.decode()
    detail = staff.get(f"/admin/campaign/secondfactor/{factor.pk}/change/").content.decode()

    assert column_headers(listing) == ["Compte", "Type", "Ajouté le", "Dernière utilisation"]
    assert "equipe@example.org" in listing
    assert "application d&#x27;authentification" in listing
    assert factor.data["secret"] not in listing + detail


def test_a_lost_second_factor_can_be_removed(staff):
    other = enrol_totp(make_user("perdu@example.org", staff=True))
    factors = [str(pk) for pk in SecondFactor.objects.filter(user=other).values_list("pk", flat=True)]

    staff.post(
        "/admin/campaign/secondfactor/", {"action": "delete_selected", "_selected_action": factors, "post": "yes"}
    )

    assert not SecondFactor.objects.filter(user=other).exists()


def test_every_time_is_in_paris_time_and_the_zone_is_named(staff, pages):
    page = Page.objects.get(slug="appel")
    revision = page.publish(title="Appel", body="Texte.", author=staff.user, language="fr")
    revision.__class__.objects.filter(pk=revision.pk).update(created_at=datetime(2026, 3, 9, 16, 45, tzinfo=UTC))
    revision.refresh_from_db()

    html = staff.get(f"/admin/campaign/page/{page.pk}/change/").content.decode()

    assert str(revision) == f"{page} (fr, 09/03/2026 17:45)"
    assert "9 mars 2026 17:45" in html
    assert "16:45" not in html
    assert block_texts(html, "timezone-note") == ["Toutes les heures sont à l'heure de Paris."]
