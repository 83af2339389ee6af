"""Organisations in a real browser: the list, the join form at 360 px, accessibility."""

import pytest
from PIL import Image

from organisations.models import Organisation

WIDTHS = [360, 1280]


@pytest.fixture
def site(transactional_db):
    from campaign.initial_content import load_pages
    from organisations.initial_content import load_organisations

    load_pages()
    load_organisations()
    Organisation.objects.filter(slug="icem").update(
        website="https://icem.example.org", description="Pédagogie Freinet."
    )


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_list_of_organisations(site, visit, live_server, width):
    visit_ = visit("/organisations/", width=width)
    page = visit_.page

    assert page.get_by_role("heading", level=1, name="Organisations signataires").is_visible()
    assert page.locator("p.lead").inner_text() == "11 organisations soutiennent l'appel."
    assert page.get_by_role("heading", level=2).all_inner_texts() == [
        "Syndicat (3)",
        "Mouvement pédagogique (2)",
        "Autre (6)",
    ]
    assert fits(page, width)
    assert visit_.origins() == {live_server.url}
    assert visit_.axe_violations() == []


def test_organisation_page(site, visit):
    visit_ = visit("/organisations/icem/", width=360)

    assert visit_.page.get_by_role("heading", level=1).inner_text() == "ICEM"
    assert visit_.page.get_by_role("link", name="Site web de ICEM").get_attribute("rel") == "noopener"
    assert fits(visit_.page, 360)
    assert visit_.axe_violations() == []


def logo_file(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (900, 300), (20, 80, 160)).save(path, format="PNG")
    return path


def test_join_form_at_360_px(site, visit, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    visit_ = visit("/organisations/rejoindre/", width=360)
    page = visit_.page
    assert fits(page, 360)
    assert visit_.axe_violations() == []

    page.get_by_label("Nom de l'organisation").fill("Collectif Parents Vigilants")
    page.get_by_label("Collectif", exact=True).check()
    page.get_by_label("Périmètre d'action").select_option("31")
    page.get_by_label("Site web (facultatif)").fill("parents-vigilants.example.org")
    page.get_by_label("Logo (facultatif)").set_input_files(str(logo_file(tmp_path)))
    page.get_by_label("Votre nom").fill("Zoé L'Hôte")
    page.get_by_label("Votre adresse e-mail").fill("zoe@example.org")
    page.get_by_label("J'accepte").check()
    page.wait_for_timeout(3100)  # a person takes more than 3 seconds: the anti-robot check
    page.get_by_role("button", name="Envoyer la demande").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte de réception"
    organisation = Organisation.objects.get(name="Collectif Parents Vigilants")
    assert (organisation.scope, organisation.website, organisation.logo_width) == (
        "31",
        "https://parents-vigilants.example.org",
        400,
    )
    assert visit_.axe_violations() == []


def test_join_form_errors_are_announced_and_accessible(site, visit):
    visit_ = visit("/organisations/rejoindre/", width=360)
    page = visit_.page

    page.get_by_label("Nom de l'organisation").fill("SUD Education")
    page.get_by_label("Site web (facultatif)").fill("javascript:alert(1)")
    page.wait_for_timeout(3100)
    page.get_by_role("button", name="Envoyer la demande").click()

    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "Le formulaire contient 6 erreurs"
    assert page.get_by_label("Nom de l'organisation").input_value() == "SUD Education"
    assert page.get_by_label("Nom de l'organisation").get_attribute("aria-invalid") == "true"
    assert fits(page, 360)
    assert visit_.axe_violations() == []
