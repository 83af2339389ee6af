"""Staff edit the letters' wording and the académies' officers in the admin."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from actions.models import DataProtectionOfficer
from campaign.models import Page, User
from tests.actions.factories import make_officer
from tests.campaign.factories import enrol_totp
from tests.campaign.test_pages import admin_change_data


@pytest.fixture
def admin(db):
    user = User.objects.create_superuser("equipe@example.org", "correct horse battery staple")
    enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_a_letter_naming_a_field_the_form_does_not_fill_is_refused_beside_the_text(admin, letters):
    page = Page.objects.get(slug="lettre-acces-donnees")
    before = page.revisions.count()

    response = admin.post(
        f"/admin/campaign/page/{page.pk}/change/",
        admin_change_data(page, title="Demande", body="Champs : nom_parent, numero_secu\n\n{{ numero_secu }}"),
    )

    assert response.status_code == 200
    assert "Le formulaire ne remplit pas ces champs : numero_secu." in response.content.decode()
    assert page.revisions.count() == before


def test_a_letter_using_an_undeclared_field_is_refused(admin, letters):
    page = Page.objects.get(slug="motion-conseil-ecole")

    response = admin.post(
        f"/admin/campaign/page/{page.pk}/change/",
        admin_change_data(page, title="Motion", body="Champs : ecole\n\n{{ ecole }} {{ date_conseil }}"),
    )

    assert "Le texte utilise des champs absents de la ligne « Champs » : {{ date_conseil }}." in (
        response.content.decode()
    )


def test_staff_reword_a_letter_and_parents_get_the_new_wording(admin, client, letters):
    page = Page.objects.get(slug="motion-conseil-ecole")

    admin.post(
        f"/admin/campaign/page/{page.pk}/change/",
        admin_change_data(page, title="Motion", body="Champs : ecole\n\nMotion relue pour {{ ecole }}."),
    )
    html = client.post(
        "/agir/motion-conseil-ecole/",
        {
            "ecole": "École Jean Jaurès",
            "type_conseil": "ecole",
            "date_conseil": "2027-01-14",
            "noms_representants": "Jeanne Martin",
        },
    ).content.decode()

    assert "<p>Motion relue pour École Jean Jaurès.</p>" in html
    assert 'class="notice"' not in html  # the reviewed text has no placeholder left


def test_letters_awaiting_legal_review_are_flagged(admin, letters):
    listing = admin.get("/admin/campaign/page/").content.decode()

    # Five site texts flagged (see tests/campaign/test_pages.py), and both letters.
    assert listing.count('alt="True"') == 7


def test_staff_add_an_academies_officer_with_its_source(admin, db):
    response = admin.post(
        "/admin/actions/dataprotectionofficer/add/",
        {
            "academie": "Toulouse",
            "designation": "Délégué à la protection des données, Rectorat de l'académie de Toulouse",
            "address": "CS 87703\r\n31077 Toulouse Cedex 4",
            "email": "dpd@ac-toulouse.example",
            "source": "https://www.ac-toulouse.example/donnees-personnelles",
        },
    )

    assert response.status_code == 302
    officer = DataProtectionOfficer.objects.get()
    assert (officer.academie, officer.address) == ("Toulouse", "CS 87703\r\n31077 Toulouse Cedex 4")


def test_an_officer_needs_a_designation_an_address_and_a_web_source(db):
    for fields in ({"address": ""}, {"designation": ""}, {"source": "ftp://ac-exemple.fr/"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_officer(**fields)
