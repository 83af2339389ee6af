import pytest
from django.test import Client

from organisations.models import Organisation
from organisations.permissions import can_edit_organisation, is_editor, organisations_for
from tests.campaign.factories import enrol_totp, make_user
from tests.campaign.html_text import heading
from tests.organisations.factories import make_editor, make_organisation

pytestmark = pytest.mark.django_db

PROFILE = {"short_name": "", "kind": "syndicat", "scope": "national", "website": "", "description": "", "logo_alt": ""}


@pytest.fixture
def two_organisations():
    return make_organisation("Organisation A", slug="a"), make_organisation("Organisation B", slug="b")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_who_may_speak_for_which_organisation(two_organisations):
    a, b = two_organisations
    editor = make_editor(a)
    withdrawn = make_organisation("Retirée", status=Organisation.Status.WITHDRAWN)
    make_editor(withdrawn, email="ancien@example.org")
    staff = make_user(staff=True)
    nobody = make_user()

    assert list(organisations_for(editor)) == [a]
    assert (can_edit_organisation(editor, a), can_edit_organisation(editor, b)) == (True, False)
    assert set(organisations_for(staff)) == {a, b, withdrawn}
    assert list(organisations_for(nobody)) == []
    assert (is_editor(editor), is_editor(staff), is_editor(nobody)) == (True, True, False)
    former = organisations_for(withdrawn.memberships.get().user)
    assert list(former) == []


def test_an_inactive_account_may_do_nothing(two_organisations):
    a, _ = two_organisations
    editor = make_editor(a, is_active=False)

    assert (list(organisations_for(editor)), is_editor(editor)) == ([], False)


def test_an_editor_edits_their_organisation_not_another(two_organisations):
    a, b = two_organisations
    browser = logged_in(enrol_totp(make_editor(a)))

    mine = browser.post("/espace/organisations/a/", {**PROFILE, "description": "Notre texte."})
    other_get = browser.get("/espace/organisations/b/")
    other_post = browser.post("/espace/organisations/b/", {**PROFILE, "description": "Piraté."})

    assert mine.status_code == 302
    assert (other_get.status_code, other_post.status_code) == (404, 404)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.description, b.description) == ("Notre texte.", "")


def test_an_editor_cannot_change_name_status_or_contact(two_organisations):
    a, _ = two_organisations
    contact = a.contact_email
    browser = logged_in(enrol_totp(make_editor(a)))

    browser.post(
        "/espace/organisations/a/",
        {
            **PROFILE,
            "name": "Autre nom",
            "status": "withdrawn",
            "contact_email": "pirate@example.org",
            "founding": "on",
        },
    )

    a.refresh_from_db()
    assert (a.name, a.status, a.contact_email, a.founding) == ("Organisation A", "approved", contact, False)


def test_the_editor_space_lists_only_their_organisations(two_organisations):
    a, _ = two_organisations
    browser = logged_in(enrol_totp(make_editor(a)))

    html = browser.get("/espace/").content.decode()

    assert 'href="/espace/organisations/a/"' in html
    assert "Organisation B" not in html
    assert "Administration du site" not in html


def test_an_editor_cannot_reach_the_admin_nor_the_contacts_nor_any_signature(two_organisations):
    a, _ = two_organisations
    browser = logged_in(enrol_totp(make_editor(a)))

    for path in (
        "/admin/",
        "/admin/organisations/organisation/",
        "/admin/petitions/signature/",
        "/admin/campaign/auditentry/",
    ):
        response = browser.get(path, follow=True)
        assert response.status_code == 403, path
        assert "<h1>Accès réservé à l'équipe de la campagne</h1>" in response.content.decode()


def test_an_editor_of_a_withdrawn_organisation_loses_the_editing_page():
    withdrawn = make_organisation("Retirée", slug="retiree", status=Organisation.Status.WITHDRAWN)
    browser = logged_in(enrol_totp(make_editor(withdrawn)))

    response = browser.get("/espace/organisations/retiree/")

    assert response.status_code == 404
    assert heading(response.content.decode()) == "Page introuvable"


def test_staff_may_edit_any_organisation(two_organisations):
    staff = enrol_totp(make_user(staff=True))

    response = logged_in(staff).post("/espace/organisations/b/", {**PROFILE, "description": "Corrigé par l'équipe."})

    assert response.status_code == 302
    assert Organisation.objects.get(slug="b").description == "Corrigé par l'équipe."


def test_anonymous_visitors_are_sent_to_the_login_page(client, two_organisations):
    for path in ("/espace/", "/espace/organisations/a/"):
        response = client.get(path)
        assert response["Location"] == f"/compte/connexion/?next={path}"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"description": "x" * 1001}, "description", "1000 caractères au plus (vous en avez saisi 1001)."),
        ({"short_name": "SUD \u202e38"}, "short_name", "Ce champ contient un caractère invisible : retapez-le."),
        ({"logo_alt": "x" * 100_000}, "logo_alt", "200 caractères au plus (vous en avez saisi 100000)."),
    ],
)
def test_the_profile_is_bounded_and_names_are_typed_names(two_organisations, fields, field, message):
    a, _ = two_organisations
    browser = logged_in(enrol_totp(make_editor(a)))

    response = browser.post("/espace/organisations/a/", {**PROFILE, **fields})

    assert response.status_code == 200
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in response.content.decode()
    a.refresh_from_db()
    assert (a.description, a.short_name, a.logo_alt) == ("", "", "")


def test_a_short_name_loses_its_invisible_characters(two_organisations):
    a, _ = two_organisations
    browser = logged_in(enrol_totp(make_editor(a)))

    browser.post("/espace/organisations/a/", {**PROFILE, "short_name": "\ufeffSUD\u200b 38"})

    a.refresh_from_db()
    assert a.short_name == "SUD 38"
