"""Paper signatures on the site: an editor's batch form, staff's review in the admin, the public pages."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from campaign import outbox
from campaign.antispam import form_timestamp
from campaign.models import AuditEntry, OutgoingEmail
from campaign.pdf import STATIC_SCHEME, _fetcher_class
from organisations import paper
from organisations.initial_content import load_paper_pages
from organisations.models import PaperBatch
from tests.campaign.factories import enrol_totp, make_user
from tests.campaign.html_text import block_texts, heading
from tests.organisations.factories import make_batch, make_editor, make_organisation

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(enrol_totp(user))
    return client


def batch_data(**rows):
    """A valid submission of the batch form; ``rows`` like ``departement_1="38", signatures_1="12"``."""
    data = {"collected_on": "2026-11-20", "note": "", "rows": "5", "shown_at": form_timestamp(), "website_url": ""}
    return data | ({"departement_1": "38", "signatures_1": "12"} if not rows else {}) | rows


@pytest.fixture
def organisation():
    return make_organisation("SUD éducation 38", slug="sud-38")


@pytest.fixture
def editor(organisation):
    return logged_in(make_editor(organisation, "redaction@example.org"))


# --- The editor's form ------------------------------------------------------


def test_an_editor_enters_a_batch_that_waits_for_review(editor, organisation):
    response = editor.post(
        "/espace/organisations/sud-38/papier/",
        batch_data(departement_1="38", signatures_1="12", departement_2="etranger", signatures_2="3", note="Marché"),
        follow=True,
    )

    batch = PaperBatch.objects.get()
    assert (batch.organisation, batch.status, batch.signatures, batch.note) == (organisation, "pending", 15, "Marché")
    assert batch.collected_on == date(2026, 11, 20)
    assert list(batch.lines.values_list("departement", "signatures")) == [("38", 12), ("etranger", 3)]
    assert batch.entered_by.email == "redaction@example.org"
    assert paper.accepted_total() == 0
    html = response.content.decode()
    assert block_texts(html, "messages") == [
        "Le lot de 15 signatures est enregistré. Il comptera dès que l'équipe de la campagne l'aura vérifié."
    ]
    assert block_texts(html, "paper-batches") == [
        "15 signatures recueillies le 20 novembre 2026 En attente Isère (38) : 12 ; Étranger : 3"
    ]
    assert AuditEntry.objects.get().action == "enter"


def test_a_double_submission_records_one_batch(editor):
    data = batch_data()

    first = editor.post("/espace/organisations/sud-38/papier/", data)
    second = editor.post("/espace/organisations/sud-38/papier/", data, follow=True)

    assert first.status_code == 302
    assert PaperBatch.objects.count() == 1
    assert block_texts(second.content.decode(), "messages")[-1] == "Ce lot est déjà enregistré."


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        (
            {"departement_1": "38", "signatures_1": "0"},
            "signatures_1",
            "Indiquez au moins 1, ou laissez la ligne vide.",
        ),
        ({"departement_1": "38", "signatures_1": "2001"}, "signatures_1", "Un lot compte au plus 2 000 signatures."),
        (
            {"departement_1": "38", "signatures_1": "douze"},
            "signatures_1",
            "Indiquez un nombre entier, par exemple 12.",
        ),
        (
            {"departement_1": "38", "signatures_1": ""},
            "signatures_1",
            "Indiquez le nombre de signatures de ce département.",
        ),
        ({"departement_1": "", "signatures_1": "4"}, "departement_1", "Choisissez le département de ces signatures."),
        (
            {"departement_1": "38", "signatures_1": "4", "departement_2": "38", "signatures_2": "5"},
            "departement_2",
            "Ce département figure déjà sur une ligne plus haut : additionnez les deux nombres.",
        ),
        ({"departement_1": "99", "signatures_1": "4"}, "departement_1", None),
    ],
)
def test_a_wrong_line_is_refused_beside_it_with_the_input_kept(editor, rows, field, message):
    response = editor.post("/espace/organisations/sud-38/papier/", batch_data(**rows, note="Réunion de parents"))

    form = response.context["form"]
    assert response.status_code == 200
    assert list(form.errors) == [field]
    if message:
        assert form.errors[field] == [message]
    assert PaperBatch.objects.count() == 0
    html = response.content.decode()
    assert heading(html) == "Signatures papier de SUD éducation 38"
    assert "Réunion de parents</textarea>" in html


def test_a_batch_over_2000_or_empty_is_refused_with_a_message(editor):
    over = editor.post(
        "/espace/organisations/sud-38/papier/",
        batch_data(departement_1="38", signatures_1="1500", departement_2="73", signatures_2="600"),
    )
    empty = editor.post("/espace/organisations/sud-38/papier/", batch_data(departement_1="", signatures_1=""))
    future = editor.post(
        "/espace/organisations/sud-38/papier/",
        batch_data() | {"collected_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
    )

    assert over.context["form"].non_field_errors() == [
        "Un lot compte au plus 2 000 signatures (ici 2100) : saisissez les autres dans un second lot."
    ]
    assert empty.context["form"].non_field_errors() == ["Indiquez au moins un département et son nombre de signatures."]
    assert future.context["form"].errors == {"collected_on": ["La date de la collecte ne peut pas être dans le futur."]}
    assert PaperBatch.objects.count() == 0


def test_more_rows_keep_what_was_typed_and_stop_at_50(editor):
    response = editor.post(
        "/espace/organisations/sud-38/papier/", batch_data(more="1", departement_1="38", signatures_1="7")
    )
    at_most = editor.post("/espace/organisations/sud-38/papier/", batch_data(more="1", rows="50"))

    form = response.context["form"]
    assert (form.row_count, form.errors) == (10, {})
    assert 'name="signatures_1" value="7"' in response.content.decode()
    assert 'name="departement_10"' in response.content.decode()
    assert at_most.context["form"].row_count == 50
    assert "Ajouter cinq lignes" not in at_most.content.decode()
    assert PaperBatch.objects.count() == 0


def test_an_editor_reaches_only_their_organisations_batches(editor):
    make_organisation("Autre", slug="autre")
    make_batch(make_organisation("Tierce", slug="tierce"))

    assert editor.get("/espace/organisations/autre/papier/").status_code == 404
    assert editor.post("/espace/organisations/autre/papier/", batch_data()).status_code == 404
    assert editor.get("/espace/organisations/tierce/papier/feuille.pdf").status_code == 404
    assert PaperBatch.objects.count() == 1


def test_the_space_links_to_paper_signatures(editor):
    html = editor.get("/espace/").content.decode()

    assert '<a href="/espace/organisations/sud-38/papier/">Signatures papier' in html


# --- Staff's review ---------------------------------------------------------


@pytest.fixture
def staff():
    return logged_in(make_user("equipe@example.org", superuser=True))


def test_staff_accept_a_batch_and_it_counts(staff, organisation):
    batch = make_batch(organisation, {"38": 12, "etranger": 3})

    confirm = staff.get(f"/admin/organisations/paperbatch/{batch.pk}/accepter/")
    staff.post(f"/admin/organisations/paperbatch/{batch.pk}/accepter/")

    assert heading(confirm.content.decode()) == f"Accepter le lot « {batch} »"
    batch.refresh_from_db()
    assert batch.status == "accepted"
    assert paper.accepted_by_departement() == {"38": 12, "etranger": 3}
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "user_email"))[-1] == (
        "accept",
        "equipe@example.org",
    )


def test_staff_refuse_with_a_reason_emailed_to_the_editors(staff, organisation):
    make_editor(organisation, "redaction@example.org")
    batch = make_batch(organisation)

    empty = staff.post(f"/admin/organisations/paperbatch/{batch.pk}/refuser/", {"reason": ""})
    staff.post(f"/admin/organisations/paperbatch/{batch.pk}/refuser/", {"reason": "Feuilles sans date."})

    assert empty.context["form"].errors == {"reason": ["Ce champ est obligatoire."]}
    batch.refresh_from_db()
    assert (batch.status, batch.reason) == ("refused", "Feuilles sans date.")
    email = outbox.render(OutgoingEmail.objects.get())
    assert (email.to, email.subject) == (
        "redaction@example.org",
        "Signatures papier de SUD éducation 38 : lot refusé",
    )
    assert "Feuilles sans date." in email.text


def test_staff_withdraw_an_accepted_batch(staff, organisation):
    batch = make_batch(organisation, {"38": 12}, accepted=True)

    staff.post(f"/admin/organisations/paperbatch/{batch.pk}/retirer/", {"reason": "Doublon."})
    again = staff.post(f"/admin/organisations/paperbatch/{batch.pk}/retirer/", {"reason": "Doublon."}, follow=True)

    batch.refresh_from_db()
    assert (batch.status, batch.reason) == ("withdrawn", "Doublon.")
    assert paper.accepted_total() == 0
    assert "Cette décision ne s'applique pas à un lot dans cet état." in unescape(again.content.decode())


def test_staff_enter_a_batch_for_an_organisation(staff, organisation):
    data = batch_data(departement_1="75", signatures_1="40") | {"organisation": str(organisation.pk)}

    response = staff.post("/admin/organisations/paperbatch/saisir/", data)

    batch = PaperBatch.objects.get()
    assert response["Location"] == f"/admin/organisations/paperbatch/{batch.pk}/change/"
    assert (batch.organisation, batch.signatures, batch.status) == (organisation, 40, "pending")
    assert batch.entered_by.email == "equipe@example.org"


def test_the_batch_page_offers_the_decisions_and_edits_nothing(staff, organisation):
    pending = make_batch(organisation)
    accepted = make_batch(organisation, accepted=True)

    pending_html = staff.get(f"/admin/organisations/paperbatch/{pending.pk}/change/").content.decode()
    accepted_html = staff.get(f"/admin/organisations/paperbatch/{accepted.pk}/change/").content.decode()

    assert f'href="/admin/organisations/paperbatch/{pending.pk}/accepter/"' in pending_html
    assert f'href="/admin/organisations/paperbatch/{pending.pk}/refuser/"' in pending_html
    assert f'href="/admin/organisations/paperbatch/{accepted.pk}/retirer/"' in accepted_html
    assert "accepter/" not in accepted_html
    assert 'name="_save"' not in pending_html
    assert list(PaperBatch.objects.pending()) == [pending]


# --- Public pages -----------------------------------------------------------


@pytest.fixture
def paper_pages(pages):
    """The texts the sheet prints, as `make run` loads them."""
    load_paper_pages()


def test_the_organisation_page_shows_its_accepted_paper_signatures(client, organisation):
    make_batch(organisation, {"38": 1200, "73": 34}, accepted=True)
    make_batch(organisation, {"38": 500})

    html = client.get("/organisations/sud-38/").content.decode()

    assert "1 234 signatures de l'appel recueillies sur papier." in block_texts(html, "organisation")


def test_the_paper_page_explains_and_offers_the_sheet(client, paper_pages):
    html = client.get("/signer/papier/").content.decode()
    english = client.get("/en/sign/paper/")

    assert heading(html) == "Signer sur papier"
    assert '<a class="button" href="/signer/papier/feuille.pdf" download>' in html
    assert "[À COMPLÉTER" in html  # the sheet's privacy notice, until staff fill it in
    assert heading(english.content.decode()) == "Sign on paper"
    assert '<div class="prose" lang="en"><p>This sheet stays with the organisation' in english.content.decode()


def test_the_sheet_is_a_pdf_with_its_qr_code(client, paper_pages):
    response = client.get("/signer/papier/feuille.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="feuille-signatures-retrait-lsun.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert paper.sheet_url() == f"{settings.SITE_URL}/signer/"


def test_an_organisations_sheet_leads_to_its_own_sharing_link(settings):
    organisation = make_organisation("SUD éducation 38")

    context = paper.sheet_context(organisation)

    assert paper.sheet_url(organisation) == f"{settings.SITE_URL}/s/{organisation.slug}/"
    assert f"{settings.SITE_URL}/s/{organisation.slug}/" in render_to_string(paper.SHEET_TEMPLATE, context)


def test_an_editor_downloads_the_sheet_in_the_organisations_name(editor, paper_pages):
    response = editor.get("/espace/organisations/sud-38/papier/feuille.pdf")

    assert response["Content-Disposition"] == 'attachment; filename="feuille-signatures-sud-38.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_the_sheet_fits_on_one_a4_page_with_everything_it_must_say(paper_pages):
    from weasyprint import HTML

    organisation = make_organisation("SUD éducation 38")
    with translation.override("fr"):
        html = render_to_string(paper.SHEET_TEMPLATE, paper.sheet_context(organisation))
    document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=_fetcher_class()()).render()

    assert len(document.pages) == 1
    assert block_texts(html, "sheet-table")[:7] == [
        "N°",
        "Nom",
        "Prénom",
        "Code postal",
        "Parent / enseignant·e / autre",
        "Signature",
        "1",
    ]
    assert html.count("<tr>") == 1 + paper.SHEET_LINES
    assert "Feuille de signatures recueillies par SUD éducation 38" in html
    assert '<svg role="img"' not in html and 'class="qr-code"' in html
    assert "Ce que deviennent ces feuilles" in html
    assert "[À COMPLÉTER" in html


def test_the_batches_page_costs_the_same_queries_whatever_the_number_of_batches(editor, organisation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_batch(organisation)
    with CaptureQueriesContext(connection) as few:
        editor.get("/espace/organisations/sud-38/papier/")
    for _ in range(5):
        make_batch(organisation, {"38": 2, "73": 1, "etranger": 4})
    with CaptureQueriesContext(connection) as many:
        editor.get("/espace/organisations/sud-38/papier/")

    assert len(many) == len(few)
