"""A parent on a phone: understands, then leaves with a letter ready to send; axe-core on every page."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.conftest import use_own_cache

WIDTH = 390


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


@pytest.fixture
def site(transactional_db):
    from actions.initial_content import load_letters
    from campaign.initial_content import load_pages
    from petitions.initial_content import load_petition
    from petitions.models import Petition

    load_pages()
    load_letters()
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=1))


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def pdf_lines(download):
    data = Path(download.path()).read_bytes()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).splitlines()


def preview(page, language, field):
    return page.locator(f"[data-letter-preview='{language}'] [data-field='{field}']").first.inner_text()


def test_the_explainer_on_a_phone(site, visit, live_server):
    home = visit("/", width=WIDTH)
    page = home.page

    lead = page.locator(".home-lead")
    assert lead.locator(".home-lead-title").text_content() == "En bref"
    assert lead.locator(".home-lead-text").inner_text().startswith("Le LSUN (Livret Scolaire Unique Numérique)")
    assert page.get_by_role("link", name="Signer l'appel").is_visible()
    assert fits(page)
    assert home.axe_violations() == []

    page.get_by_role("link", name="Vos questions, nos réponses").click()
    page.wait_for_url(f"{live_server.url}/questions/")
    assert page.get_by_role("heading", level=1).inner_text() == "Questions et réponses"
    page.get_by_role("navigation", name="Les questions").get_by_role(
        "link", name="Combien de temps sont-elles conservées ?"
    ).click()
    assert page.evaluate("location.hash") == "#combien-de-temps-sont-elles-conservees"
    share = page.locator("#combien-de-temps-sont-elles-conservees + .section-link a")
    # Seen as "Lien vers cette question", heard with the question it leads to.
    assert share.text_content() == "Lien vers cette question : Combien de temps sont-elles conservées ?"
    assert share.get_attribute("href") == "#combien-de-temps-sont-elles-conservees"
    assert fits(page)
    assert home.axe_violations() == []
    assert home.origins() == {live_server.url}

    english = visit("/en/questions/", width=WIDTH)
    assert english.page.locator(".translation-note").inner_text() == (
        "This is a translation. Only the original French text is authoritative. Read the original French text"
    )
    assert english.axe_violations() == []
    english_home = visit("/en/", width=WIDTH)
    assert english_home.page.locator(".home-lead-title").text_content() == "In short"
    assert english_home.axe_violations() == []


def fill_access_request(page, language_labels):
    labels = language_labels
    page.get_by_label(labels["parent"]).fill("Jeanne Martin")
    page.get_by_label(labels["address"]).fill("12 rue des Lilas\n82000 Montauban")
    page.get_by_label(labels["child"]).fill("Léo <b>Martin</b>")
    page.get_by_label(labels["class"]).fill("CM1")
    page.get_by_label(labels["school"]).fill("École Jean Jaurès, Montauban")
    page.get_by_label(labels["town"]).fill("Montauban")
    page.get_by_label(labels["date"]).fill("2026-12-01")


FRENCH = {
    "parent": "Votre prénom et votre nom",
    "address": "Votre adresse postale",
    "child": "Le prénom et le nom de votre enfant",
    "class": "Sa classe",
    "school": "Son école ou son collège, avec la ville",
    "town": "Ville où vous écrivez",
    "date": "Date de la lettre",
}
ENGLISH = {
    "parent": "Your first and last name",
    "address": "Your postal address",
    "child": "Your child's first and last name",
    "class": "Their class",
    "school": "Their school, with the town",
    "town": "Town you are writing from",
    "date": "Date of the letter",
}


def test_a_parent_asks_for_their_childs_data_in_french(site, visit, live_server):
    act = visit("/agir/", width=WIDTH)
    page = act.page
    assert fits(page)
    assert act.axe_violations() == []

    page.get_by_role("link", name="Demander ce qui est enregistré sur votre enfant").click()
    page.wait_for_url(f"{live_server.url}/agir/lettre-acces-donnees/")
    assert preview(page, "fr", "nom_enfant") == "[nom de votre enfant]"
    page.wait_for_load_state("networkidle")
    requests_before = len(act.requests)
    fill_access_request(page, FRENCH)

    # The preview fills in as the parent types, with what was typed as text.
    assert preview(page, "fr", "nom_enfant") == "Léo <b>Martin</b>"
    assert preview(page, "fr", "adresse_parent") == "12 rue des Lilas\n82000 Montauban"
    assert preview(page, "fr", "date") == "1er décembre 2026"
    assert preview(page, "fr", "destinataire") == "À l'attention de la direction de l'école ou de l'établissement"
    assert preview(page, "fr", "adresse_destinataire") == "École Jean Jaurès, Montauban"
    assert page.locator("[data-letter-preview] b").count() == 0
    # Only what applies to the recipient chosen is shown.
    assert not page.get_by_label("Nom du destinataire").is_visible()
    page.get_by_label("À un autre destinataire").check()
    page.get_by_label("Nom du destinataire").fill("Service de la vie scolaire")
    page.get_by_label("Adresse postale du destinataire").fill("DSDEN 82\n82000 Montauban")
    assert preview(page, "fr", "destinataire") == "Service de la vie scolaire"
    assert preview(page, "fr", "adresse_destinataire") == "DSDEN 82\n82000 Montauban"
    assert len(act.requests) == requests_before  # the preview asked the server nothing
    assert fits(page)
    assert act.axe_violations() == []

    page.get_by_role("button", name="Préparer la lettre").click()
    page.wait_for_url(f"{live_server.url}/agir/lettre-acces-donnees/")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre lettre est prête"
    letter = page.locator("article.letter")
    assert letter.locator("p").nth(1).inner_text() == "Service de la vie scolaire\nDSDEN 82\n82000 Montauban"
    assert "Je suis parent de Léo <b>Martin</b>, élève en CM1" in letter.inner_text()
    assert page.get_by_role("button", name="Imprimer").is_visible()
    assert (
        page.get_by_role("link", name="Ouvrir dans ma messagerie")
        .get_attribute("href")
        .startswith("mailto:?subject=demande%20d%27acc%C3%A8s")
    )
    assert fits(page)
    assert act.axe_violations() == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger en PDF").click()
    lines = pdf_lines(download.value)
    assert download.value.suggested_filename == "lettre-acces-donnees.pdf"
    assert lines[:5] == [
        "Jeanne Martin",
        "12 rue des Lilas",
        "82000 Montauban",
        "Service de la vie scolaire",
        "DSDEN 82",
    ]
    assert "Montauban, le 1er décembre 2026" in lines
    assert act.origins() == {live_server.url}

    # Changing a detail: the form comes back filled in.
    page.get_by_role("button", name="Modifier").click()
    assert page.get_by_label(FRENCH["parent"]).input_value() == "Jeanne Martin"
    assert page.get_by_label("Nom du destinataire").input_value() == "Service de la vie scolaire"


def test_a_mistake_is_explained_beside_the_field_and_nothing_typed_is_lost(site, visit, live_server):
    form = visit("/agir/lettre-acces-donnees/", width=WIDTH)
    page = form.page
    fill_access_request(page, FRENCH)
    page.get_by_label(FRENCH["parent"]).fill("")

    page.get_by_role("button", name="Préparer la lettre").click()
    page.wait_for_load_state()

    assert page.title().startswith("Erreur : ")
    assert page.locator("#id_nom_parent_error").inner_text() == "Ce champ est obligatoire."
    assert page.get_by_label(FRENCH["child"]).input_value() == "Léo <b>Martin</b>"
    assert form.axe_violations() == []


def test_parents_representatives_prepare_a_motion_in_french(site, visit, live_server):
    form = visit("/agir/motion-conseil-ecole/", width=WIDTH)
    page = form.page
    page.get_by_label("École ou établissement, avec la ville").fill("Collège Olympe de Gouges, Montauban")
    page.get_by_label("Conseil d'administration (collège ou lycée)").check()
    page.get_by_label("Date de la séance").fill("2027-01-14")
    page.get_by_label("Noms des représentant·e·s des parents qui la présentent").fill("Jeanne Martin, Karim Benali")
    assert preview(page, "fr", "type_conseil") == "conseil d'administration"
    assert preview(page, "fr", "date_conseil") == "14 janvier 2027"
    assert form.axe_violations() == []

    page.get_by_role("button", name="Préparer la lettre").click()
    page.wait_for_url(f"{live_server.url}/agir/motion-conseil-ecole/")
    assert page.locator("article.letter p").first.inner_text() == (
        "Motion présentée au conseil d'administration du 14 janvier 2027\n"
        "Établissement : Collège Olympe de Gouges, Montauban\n"
        "Par les représentant·e·s des parents d'élèves : Jeanne Martin, Karim Benali"
    )
    assert fits(page)
    assert form.axe_violations() == []
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger en PDF").click()
    assert pdf_lines(download.value)[0] == "Motion présentée au conseil d'administration du 14 janvier 2027"


def test_an_english_reader_writes_in_english_or_in_french(site, visit, live_server):
    act = visit("/en/act/", width=WIDTH)
    page = act.page
    assert act.axe_violations() == []
    page.get_by_role("link", name="Ask what is recorded about your child").click()
    page.wait_for_url(f"{live_server.url}/en/act/lettre-acces-donnees/")
    fill_access_request(page, ENGLISH)

    assert preview(page, "en", "date") == "1 December 2026"
    assert preview(page, "en", "destinataire") == "For the attention of the head of the school"
    assert page.locator("[data-letter-preview='fr']").is_hidden()
    page.get_by_label("In French, the language of the administration").check()
    assert page.locator("[data-letter-preview='en']").is_hidden()
    assert preview(page, "fr", "date") == "1er décembre 2026"
    page.get_by_label("In English").check()
    assert act.axe_violations() == []

    page.get_by_role("button", name="Prepare the letter").click()
    page.wait_for_url(f"{live_server.url}/en/act/lettre-acces-donnees/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your letter is ready"
    assert (
        "Subject: request for access to the data recorded about my child" in page.locator("article.letter").inner_text()
    )
    assert fits(page)
    assert act.axe_violations() == []
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as PDF").click()
    lines = pdf_lines(download.value)
    assert "Montauban, 1 December 2026" in lines
    assert "Dear Sir or Madam," in lines

    page.get_by_role("button", name="Edit").click()
    page.get_by_label("In French, the language of the administration").check()
    page.get_by_role("button", name="Prepare the letter").click()
    page.wait_for_load_state()
    assert "Objet : demande d'accès aux données" in page.locator("article.letter").inner_text()


def test_an_english_motion(site, visit, live_server):
    form = visit("/en/act/motion-conseil-ecole/", width=WIDTH)
    page = form.page
    page.get_by_label("School, with the town").fill("École Jean Jaurès, Montauban")
    page.get_by_label("School council, conseil d'école (nursery or primary school)").check()
    page.get_by_label("Date of the meeting").fill("2027-01-14")
    page.get_by_label("Names of the parents' representatives putting it forward").fill("Jeanne Martin")
    assert preview(page, "en", "type_conseil") == "school council (conseil d'école)"

    page.get_by_role("button", name="Prepare the letter").click()
    page.wait_for_load_state()
    assert (
        page.locator("article.letter p")
        .first.inner_text()
        .startswith("Motion put to the school council (conseil d'école) meeting of 14 January 2027")
    )
    assert form.axe_violations() == []
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as PDF").click()
    assert " ".join(pdf_lines(download.value)[:2]).startswith(
        "Motion put to the school council (conseil d'école) meeting of 14 January 2027"
    )


def test_without_javascript_the_letter_is_made_all_the_same(site, browser, live_server):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/agir/lettre-acces-donnees/")
        assert page.locator("[data-preview-static]").is_visible()
        fill_access_request(page, FRENCH)
        page.get_by_role("button", name="Préparer la lettre").click()
        page.wait_for_load_state()

        assert page.get_by_role("heading", level=1).inner_text() == "Votre lettre est prête"
        assert page.locator("article.letter p").first.inner_text() == "Jeanne Martin\n12 rue des Lilas\n82000 Montauban"
        assert not page.get_by_role("button", name="Imprimer").is_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="Télécharger en PDF").click()
        assert pdf_lines(download.value)[0] == "Jeanne Martin"
    finally:
        context.close()
