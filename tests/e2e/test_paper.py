"""Paper signatures in a real browser: an editor enters a batch at 390 px, staff accept it, the count follows."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from organisations.models import PaperBatch
from petitions.initial_content import load_petition
from tests.campaign.factories import make_user
from tests.organisations.factories import make_editor, make_organisation

WIDTH = 390


@pytest.fixture
def site(transactional_db, settings, live_server):
    from campaign.initial_content import load_pages
    from organisations.initial_content import load_paper_pages

    load_pages()
    load_paper_pages()
    load_petition()
    settings.SITE_URL = live_server.url
    # The count is otherwise kept ten seconds in each process: the test looks right after staff's decision.
    settings.PETITION_COUNT_CACHE_SECONDS = 0


def logged_in(visit, live_server, user, width):
    """A browser page with ``user``'s session (the login page and its second factor are tested elsewhere)."""
    TOTP.activate(user, generate_totp_secret())
    browsing = visit("/", width=width)
    client = Client()
    client.force_login(user)
    browsing.page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return browsing


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_editor_enters_a_batch_and_staff_accept_it(site, visit, live_server):
    organisation = make_organisation("SUD éducation 38", slug="sud-38")
    editor = logged_in(visit, live_server, make_editor(organisation, "redaction@example.org"), WIDTH)
    page = editor.page

    page.goto(f"{live_server.url}/espace/")
    page.get_by_role("link", name="Signatures papier de SUD éducation 38").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Signatures papier de SUD éducation 38"
    assert fits(page, WIDTH)
    assert editor.axe_violations() == []

    page.get_by_label("Date de la collecte").fill("2026-11-20")
    page.get_by_label("Département (ligne 1)").select_option("38")
    page.get_by_label("Signatures (ligne 1)").fill("12")
    page.get_by_label("Département (ligne 2)").select_option("38")
    page.get_by_label("Signatures (ligne 2)").fill("3")
    page.get_by_role("button", name="Enregistrer le lot").click()

    # The same département twice: a message beside the line, everything kept.
    summary = page.locator(".error-summary")
    assert summary.get_by_role("listitem").all_inner_texts() == [
        "Département (ligne 2) : Ce département figure déjà sur une ligne plus haut : additionnez les deux nombres."
    ]
    assert summary.get_by_role("link", name="Département (ligne 2)").get_attribute("href") == "#id_departement_2"
    assert page.get_by_label("Signatures (ligne 1)").input_value() == "12"
    assert fits(page, WIDTH)
    assert editor.axe_violations() == []

    page.get_by_label("Département (ligne 2)").select_option("etranger")
    page.get_by_role("button", name="Enregistrer le lot").click()

    assert page.locator(".messages").inner_text().startswith("Le lot de 15 signatures est enregistré.")
    assert page.locator(".paper-batches li").inner_text().split("\n")[0] == (
        "15 signatures recueillies le 20 novembre 2026 En attente"
    )
    assert editor.axe_violations() == []
    batch = PaperBatch.objects.get()

    staff = logged_in(visit, live_server, make_user("equipe@example.org", superuser=True), 1280)
    staff.page.goto(f"{live_server.url}/admin/organisations/paperbatch/{batch.pk}/change/")
    staff.page.get_by_role("link", name="Accepter").click()
    staff.page.get_by_role("button", name="Accepter").click()
    accepted = staff.page.locator(".messagelist").inner_text()
    assert accepted.strip() == "Le lot est accepté : ses 15 signatures comptent désormais."

    visitor = visit("/", width=WIDTH)
    assert " ".join(visitor.page.locator(".petition-count").inner_text().split()) == (
        "15 signatures (dont 15 sur papier) sur un objectif de 10 000"
    )
    visitor.page.goto(f"{live_server.url}/organisations/sud-38/")
    assert visitor.page.get_by_text("15 signatures de l'appel recueillies sur papier.").is_visible()
    assert visitor.axe_violations() == []


def test_the_paper_page_is_accessible(site, visit):
    visiting = visit("/signer/papier/", width=WIDTH)

    assert visiting.page.get_by_role("heading", level=1).inner_text() == "Signer sur papier"
    assert visiting.page.get_by_role("link", name="Télécharger la feuille (PDF, A4)").get_attribute("href") == (
        "/signer/papier/feuille.pdf"
    )
    assert fits(visiting.page, WIDTH)
    assert visiting.axe_violations() == []
