"""Moderation in the admin, and the audit log of staff access to personal data."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone, translation

from campaign.models import AuditEntry, OutgoingEmail
from organisations import services
from organisations.models import Membership, Organisation
from tests.campaign.factories import enrol_totp, make_user
from tests.campaign.html_text import block_texts, heading
from tests.conftest import message_text
from tests.organisations.factories import image_bytes, make_batch, make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return enrol_totp(make_user("equipe@example.org", superuser=True))


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- Audit log -------------------------------------------------------------------


def test_every_list_of_organisation_contacts_is_logged(staff):
    make_organisation("SUD éducation")
    make_organisation("CNT éducation")
    admin = logged_in(staff)

    admin.get("/admin/organisations/organisation/")
    admin.get("/admin/organisations/organisation/?q=sud&status__exact=approved")

    entries = list(
        AuditEntry.objects.order_by("pk").values_list("user", "user_email", "action", "model", "query", "rows")
    )
    assert entries == [
        (staff.pk, "equipe@example.org", "list", "organisations.organisation", "", 2),
        (staff.pk, "equipe@example.org", "list", "organisations.organisation", "q=sud&status__exact=approved", 1),
    ]
    assert AuditEntry.objects.first().at is not None


def test_an_export_is_logged_and_safe_for_spreadsheets(staff):
    first = make_organisation('=HYPERLINK("http://evil")', contact_name="@Zoé", contact_email="zoe@example.org")
    second = make_organisation("ICEM", contact_name="Camille", contact_email="camille@example.org")
    admin = logged_in(staff)

    response = admin.post(
        "/admin/organisations/organisation/",
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert rows[0] == [
        "Nom",
        "Sigle",
        "Type",
        "Périmètre",
        "État",
        "Site web",
        "Contact",
        "E-mail de contact",
        "Approuvée le",
    ]
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://evil")', "ICEM"]
    assert [row[6:8] for row in rows[1:]] == [["'@Zoé", "zoe@example.org"], ["Camille", "camille@example.org"]]
    export = AuditEntry.objects.get(action="export")
    assert (export.user, export.model, export.rows) == (staff, "organisations.organisation", 2)


def test_staff_read_the_log_but_nobody_can_change_or_delete_it(staff):
    entry = AuditEntry.objects.create(
        user=staff, user_email=staff.email, action="list", model="organisations.organisation"
    )
    admin = logged_in(staff)

    listing = admin.get("/admin/campaign/auditentry/")
    change = admin.post(f"/admin/campaign/auditentry/{entry.pk}/change/", {"query": "effacé"})
    delete = admin.post(f"/admin/campaign/auditentry/{entry.pk}/delete/", {"post": "yes"})
    add = admin.get("/admin/campaign/auditentry/add/")

    assert listing.status_code == 200
    assert "equipe@example.org" in listing.content.decode()
    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    entry.refresh_from_db()
    assert entry.query == ""


def test_the_database_refuses_to_change_or_delete_an_entry(staff):
    entry = AuditEntry.objects.create(
        user=staff, user_email=staff.email, action="list", model="organisations.organisation"
    )

    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(user_email="autre@example.org"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="the audit log is append-only"), transaction.atomic():
            attempt()

    assert AuditEntry.objects.get(pk=entry.pk).user_email == "equipe@example.org"


def test_an_entry_cannot_be_saved_twice(staff):
    entry = AuditEntry.objects.create(
        user=staff, user_email=staff.email, action="list", model="organisations.organisation"
    )
    entry.rows = 1000

    with pytest.raises(ValueError, match="cannot be changed"):
        entry.save()


def test_an_account_in_the_log_cannot_be_deleted(staff):
    other = enrol_totp(make_user("ancien@example.org", staff=True))
    AuditEntry.objects.create(user=other, user_email=other.email, action="list", model="organisations.organisation")

    response = logged_in(staff).post(f"/admin/campaign/user/{other.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert "ancien@example.org" in response.content.decode()
    assert other.__class__.objects.filter(pk=other.pk).exists()


def test_entries_from_before_organisations_had_their_own_app_name_the_same_data(staff):
    for label in ("petitions.organisation", "organisations.organisation"):
        AuditEntry.objects.create(user=staff, user_email=staff.email, action="list", model=label)

    listing = logged_in(staff).get("/admin/campaign/auditentry/")

    rows = listing.context["cl"].result_list
    assert [listing.context["cl"].model_admin.data(entry) for entry in rows] == ["organisations signataires"] * 2


def test_staff_with_only_the_view_permission_can_read_the_log():
    reader = enrol_totp(make_user(staff=True))
    reader.user_permissions.add(Permission.objects.get(codename="view_auditentry"))

    assert logged_in(reader).get("/admin/campaign/auditentry/").status_code == 200
    assert list(Permission.objects.filter(content_type__model="auditentry").values_list("codename", flat=True)) == [
        "view_auditentry"
    ]


# --- Moderation ----------------------------------------------------------------------


def test_moderation_buttons_depend_on_the_status(staff):
    admin = logged_in(staff)
    pending = make_organisation("En attente", status=Organisation.Status.PENDING)
    approved = make_organisation("Approuvée")

    pending_page = admin.get(f"/admin/organisations/organisation/{pending.pk}/change/").content.decode()
    approved_page = admin.get(f"/admin/organisations/organisation/{approved.pk}/change/").content.decode()

    assert f'href="/admin/organisations/organisation/{pending.pk}/approuver/"' in pending_page
    assert f'href="/admin/organisations/organisation/{pending.pk}/refuser/"' in pending_page
    assert "/retirer/" not in pending_page
    assert f'href="/admin/organisations/organisation/{approved.pk}/retirer/"' in approved_page
    assert f'href="/admin/organisations/organisation/{approved.pk}/inviter/"' in approved_page
    assert "/approuver/" not in approved_page


def test_an_approved_organisation_cannot_be_approved_or_refused_again(staff):
    organisation = make_organisation("Approuvée")
    admin = logged_in(staff)

    admin.post(f"/admin/organisations/organisation/{organisation.pk}/refuser/", {"reason": "Non."})
    admin.post(f"/admin/organisations/organisation/{organisation.pk}/approuver/")

    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED
    assert OutgoingEmail.objects.count() == 0


def test_withdrawing_takes_it_off_the_site_and_erases_the_contact(client, staff):
    organisation = make_organisation("Retirée bientôt", slug="bientot", join_message="Bonjour.")
    admin = logged_in(staff)

    admin.post(f"/admin/organisations/organisation/{organisation.pk}/retirer/")

    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.WITHDRAWN
    assert (organisation.contact_name, organisation.contact_email, organisation.join_message) == ("", "", "")
    page = client.get("/organisations/bientot/")
    assert (page.status_code, heading(page.content.decode())) == (404, "Page introuvable")


def test_approving_a_name_taken_meanwhile_is_refused_with_a_message(staff):
    make_organisation("Collectif Vigilant")
    duplicate = make_organisation("collectif  vigilant", status=Organisation.Status.PENDING)

    response = logged_in(staff).post(f"/admin/organisations/organisation/{duplicate.pk}/approuver/", follow=True)

    duplicate.refresh_from_db()
    assert duplicate.status == Organisation.Status.PENDING
    assert (
        "a déjà signé l&#x27;appel" in response.content.decode() or "a déjà signé l'appel" in response.content.decode()
    )


def test_approving_a_contact_who_already_has_an_account_adds_the_membership(staff, smtp_server, run_tasks):
    existing = enrol_totp(make_user("zoe@example.org"))
    organisation = make_organisation(
        "Collectif",
        status=Organisation.Status.PENDING,
        contact_email="Zoe@Example.org",
        contact_confirmed_at=timezone.now(),
    )

    logged_in(staff).post(f"/admin/organisations/organisation/{organisation.pk}/approuver/")

    assert list(Membership.objects.values_list("user", "organisation")) == [(existing.pk, organisation.pk)]
    run_tasks()
    [message] = smtp_server.wait_for(1)
    text = message_text(message)
    assert "/compte/password/reset/key/" not in text
    assert "depuis votre espace :\n\nhttp://127.0.0.1:8000/espace/" in text


def test_staff_invite_another_editor(staff, smtp_server, run_tasks):
    organisation = make_organisation("ICEM")

    response = logged_in(staff).post(
        f"/admin/organisations/organisation/{organisation.pk}/inviter/",
        {"email": "redaction@example.org", "full_name": "Camille"},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user.email, membership.user.full_name) == ("redaction@example.org", "Camille")
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Publiez pour ICEM sur le site de l'appel pour le retrait du LSUN"
    assert "http://127.0.0.1:8000/compte/password/reset/key/" in message_text(message)


def test_a_logo_uploaded_in_the_admin_is_cleaned_too(staff, media):
    organisation = make_organisation("ICEM", slug="icem", website="")
    data = {
        "name": "ICEM",
        "short_name": "",
        "slug": "icem",
        "kind": "mouvement",
        "scope": "national",
        "website": "",
        "description": "",
        "logo_alt": "",
        "contact_name": "",
        "contact_email": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    admin = logged_in(staff)

    svg = admin.post(
        f"/admin/organisations/organisation/{organisation.pk}/change/",
        {**data, "new_logo": SimpleUploadedFile("x.svg", b"<svg><script>alert(1)</script></svg>")},
    )
    ok = admin.post(
        f"/admin/organisations/organisation/{organisation.pk}/change/",
        {**data, "new_logo": SimpleUploadedFile("x.jpg", image_bytes("JPEG", (2000, 1000), exif=True))},
    )

    assert "Les images SVG ne sont pas acceptées" in svg.content.decode()
    assert ok.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.logo_width, organisation.logo_height, organisation.kind) == (400, 200, "mouvement")


def test_emails_on_staff_decisions_are_french_whatever_the_active_language(smtp_server, run_tasks):
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)

    with translation.override("en"):
        services.approve(organisation)

    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Collectif signe l'appel pour le retrait du LSUN"
    assert "http://127.0.0.1:8000/compte/password/reset/key/" in message_text(message)


def admin_form(**fields):
    return {
        "name": "Collectif ajouté par l'équipe",
        "short_name": "",
        "slug": "collectif-ajoute",
        "kind": "collectif",
        "scope": "national",
        "website": "",
        "description": "",
        "logo_alt": "",
        "contact_name": "Camille",
        "contact_email": "camille@example.org",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_staff_add_an_organisation_in_the_admin(staff):
    admin = logged_in(staff)

    response = admin.post("/admin/organisations/organisation/add/", admin_form())

    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="collectif-ajoute")
    assert (organisation.status, organisation.name_key) == ("pending", "collectifajouteparlequipe")


def test_the_admin_refuses_a_name_already_held(staff):
    make_organisation("SUD éducation")

    response = logged_in(staff).post("/admin/organisations/organisation/add/", admin_form(name="Sud  Education"))

    assert response.status_code == 200
    assert "a déjà signé l&#x27;appel ou attend la validation de sa demande." in response.content.decode()
    assert Organisation.objects.count() == 1


# --- Pending work first, decisions as buttons -------------------------------------


def test_the_admin_home_shows_join_requests_awaiting_a_decision_first(staff):
    confirmed = {"contact_confirmed_at": timezone.now()}
    make_organisation("Première demande", status=Organisation.Status.PENDING, **confirmed)
    make_organisation("Deuxième demande", status=Organisation.Status.PENDING, **confirmed)
    make_organisation("Pas encore confirmée", status=Organisation.Status.PENDING)
    make_organisation("Déjà approuvée")
    admin = logged_in(staff)

    html = admin.get("/admin/").content.decode()

    assert block_texts(html, "pending-work") == [
        "À traiter",
        "Demandes d'adhésion d'organisations : 2",
        "Lots de signatures sur papier en attente : 0",
    ]
    assert (
        '<a href="/admin/organisations/organisation/?status__exact=pending&amp;contact=confirmed">'
        "Demandes d&#x27;adhésion d&#x27;organisations</a>"
    ) in html
    # Before the list of applications.
    assert html.index("pending-work") < html.index('id="content-main"')


def test_the_admin_home_counts_paper_batches_awaiting_review(staff):
    make_batch(counts={"38": 12})
    make_batch(counts={"75": 3})
    make_batch(counts={"2A": 5}, accepted=True)

    html = logged_in(staff).get("/admin/").content.decode()

    assert block_texts(html, "pending-work")[2] == "Lots de signatures sur papier en attente : 2"
    assert (
        '<a href="/admin/organisations/paperbatch/?status__exact=pending">Lots de signatures sur papier en attente</a>'
    ) in html


def test_the_link_lists_only_the_requests_awaiting_a_decision(staff):
    confirmed = {"contact_confirmed_at": timezone.now()}
    make_organisation("Demande", status=Organisation.Status.PENDING, **confirmed)
    make_organisation("Pas encore confirmée", status=Organisation.Status.PENDING)
    make_organisation("Déjà approuvée")

    response = logged_in(staff).get("/admin/organisations/organisation/?status__exact=pending&contact=confirmed")

    assert [o.name for o in response.context["cl"].result_list] == ["Demande"]


def test_requests_awaiting_a_decision_come_first_in_the_list(staff):
    make_organisation("Approuvée A")
    make_organisation("Zéro, en attente", status=Organisation.Status.PENDING, contact_confirmed_at=timezone.now())
    make_organisation("Approuvée B")
    make_organisation("Pas encore confirmée", status=Organisation.Status.PENDING)

    response = logged_in(staff).get("/admin/organisations/organisation/")

    assert [o.name for o in response.context["cl"].result_list] == [
        "Zéro, en attente",
        "Approuvée A",
        "Approuvée B",
        "Pas encore confirmée",
    ]


def test_staff_without_the_permission_see_no_pending_organisations():
    user = enrol_totp(make_user("lecteur@example.org", staff=True))
    make_organisation("Demande", status=Organisation.Status.PENDING, contact_confirmed_at=timezone.now())

    html = logged_in(user).get("/admin/").content.decode()

    assert "pending-work" not in html


def test_approve_and_refuse_are_buttons_on_a_pending_request(staff):
    pending = make_organisation("En attente", status=Organisation.Status.PENDING, contact_confirmed_at=timezone.now())
    admin = logged_in(staff)

    change_page = admin.get(f"/admin/organisations/organisation/{pending.pk}/change/").content.decode()
    list_page = admin.get("/admin/organisations/organisation/").content.decode()

    approve = (
        f'<a class="decision-button decision-approve" href="/admin/organisations/organisation/{pending.pk}/approuver/">'
        "Approuver</a>"
    )
    refuse = (
        f'<a class="decision-button decision-refuse" href="/admin/organisations/organisation/{pending.pk}/refuser/">'
        "Refuser</a>"
    )
    assert block_texts(change_page, "decision-bar") == ["Cette demande attend votre décision."]
    assert approve in change_page
    assert refuse in change_page
    assert approve in list_page
    assert refuse in list_page
