"""A parent signs on a phone: form, email, confirmation, thanks; axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from playwright.sync_api import expect

from petitions.counter import CACHE_KEY
from petitions.models import Petition, Signature
from tests.conftest import message_text, use_own_cache
from tests.petitions.factories import make_signature

WIDTH = 360
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:8000(/signer/confirmer/[^/\s]+/)")
WITHDRAW_LINK = re.compile(r"http://127\.0\.0\.1:8000(/signer/retirer/[^/\s]+/)")


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own: no count cached by an earlier test."""
    use_own_cache(settings)


@pytest.fixture
def petition(transactional_db, settings):
    from campaign.initial_content import load_pages
    from petitions.initial_content import load_petition

    load_pages()
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=1))
    return Petition.objects.get()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_sign_confirm_and_withdraw_on_a_phone(petition, visit, live_server, smtp_server, run_tasks):
    home = visit("/", width=WIDTH)
    page = home.page
    assert page.locator(".petition-count").inner_text().split() == [
        "0",
        "signatures",
        "sur",
        "un",
        "objectif",
        "de",
        "10",
        "000",
    ]
    assert home.axe_violations() == []
    assert page.context.cookies() == []

    page.get_by_role("link", name="Signer l'appel").click()
    page.wait_for_url(f"{live_server.url}/signer/")
    assert fits(page)
    assert home.axe_violations() == []

    # A first try with a mistake: the message is beside the field, the rest is kept.
    page.get_by_label("Prénom").fill("Zoé")
    page.get_by_label("Nom", exact=True).fill("L'Hôte-Müller")
    page.get_by_label("Adresse e-mail").fill("zoe@example")
    page.get_by_label("Code postal").fill("82000")
    page.get_by_label("Parent d'élève").check()
    page.get_by_label("Afficher mon nom dans la liste publique des signataires").check()
    page.wait_for_timeout(3100)  # a person takes a few seconds; faster is refused as a robot
    page.get_by_role("button", name="Je signe l'appel").click()
    page.wait_for_load_state()
    assert page.locator("#id_email_error").inner_text() == (
        "Cette adresse e-mail n'est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr)."
    )
    assert page.get_by_label("Code postal").input_value() == "82000"
    assert page.title().startswith("Erreur : ")
    assert fits(page)
    assert home.axe_violations() == []

    page.get_by_label("Adresse e-mail").fill("zoe@example.org")
    page.get_by_role("button", name="Je signe l'appel").click()
    page.wait_for_url(f"{live_server.url}/signer/merci/")
    assert page.get_by_role("heading", level=1).inner_text() == "Plus qu'une étape : vérifiez votre boîte de réception"
    assert fits(page)
    assert home.axe_violations() == []

    # The email arrives through SMTP; she opens the link on the same phone.
    run_tasks()
    [message] = smtp_server.wait_for(1)
    text = message_text(message)
    page.goto(live_server.url + CONFIRM_LINK.search(text)[1])
    assert fits(page)
    assert home.axe_violations() == []
    page.get_by_role("button", name="Confirmer ma signature").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Merci, votre signature est confirmée"
    assert page.locator(".petition-count").inner_text().split()[:2] == ["1", "signature"]
    assert (
        page.get_by_role("link", name="Mastodon")
        .get_attribute("href")
        .startswith("https://share.joinmastodon.org/#text=")
    )
    assert page.get_by_role("button", name="Copier le lien").count() == 1  # added by share.js
    assert fits(page)
    assert home.axe_violations() == []
    assert Signature.objects.get().confirmed_at is not None

    # The public list shows her as she asked.
    page.goto(live_server.url + "/signataires/")
    assert page.locator(".signatory-name").all_inner_texts() == ["Zoé L."]
    assert fits(page)
    assert home.axe_violations() == []

    # The withdrawal link of the email: what is held, then erased.
    page.goto(live_server.url + WITHDRAW_LINK.search(text)[1])
    assert page.locator(".held-data dd").first.inner_text() == "Zoé"
    assert fits(page)
    assert home.axe_violations() == []
    page.get_by_role("button", name="Retirer ma signature et effacer mes données").click()
    page.wait_for_url(f"{live_server.url}/signer/retiree/")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre signature est retirée"
    assert fits(page)
    assert home.axe_violations() == []
    assert Signature.objects.count() == 0

    # Nothing was ever fetched from another site.
    assert home.origins() == {live_server.url}


def test_counter_script_refreshes_the_count(petition, visit, live_server):
    home = visit("/", width=WIDTH)
    page = home.page
    assert page.locator("[data-counter-number]").inner_text() == "0"
    make_signature(petition)
    caches["local"].delete(CACHE_KEY)

    # The script asks every 15 seconds; showing the tab again asks at once.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("[data-counter-number]")).to_have_text("1", timeout=5000)
    assert page.evaluate("document.querySelector('progress').value") == 1
    assert any(url.endswith("/api/petition.json") for url in home.requests)
    assert page.context.cookies() == []


def test_the_other_petition_pages_are_accessible_too(petition, visit, live_server):
    from petitions import tokens

    pending = make_signature(petition, confirmed=False, created_at=timezone.now() - timedelta(days=8))
    paths = {
        "/signer/confirmer/lien-abime/": "Ce lien n'est pas valable",
        f"/signer/confirmer/{tokens.confirmation_token(pending)}/": "Ce lien de confirmation a expiré",
        "/signer/retiree/": "Votre signature est retirée",
        "/en/signer/": "Sign the appeal for the withdrawal of the LSUN",
    }
    for path, heading in paths.items():
        page_visit = visit(path, width=WIDTH)
        assert page_visit.page.get_by_role("heading", level=1).inner_text() == heading
        assert fits(page_visit.page), path
        assert page_visit.axe_violations() == [], path

    Petition.objects.update(closes_at=timezone.now() - timedelta(minutes=1))
    caches["local"].delete(CACHE_KEY)
    closed = visit("/signer/", width=WIDTH)
    assert closed.page.get_by_role("heading", level=1).inner_text() == "La pétition est close"
    assert closed.axe_violations() == []
