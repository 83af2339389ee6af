"""The figures on a phone and a desktop: the map, the charts and a département's page; axe-core finds nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from petitions.models import Petition
from tests.conftest import use_own_cache
from tests.petitions.factories import make_signature

SCREENSHOTS = None  # a directory, to look at the pages


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


@pytest.fixture
def signed(transactional_db):
    from campaign.initial_content import load_pages
    from petitions.initial_content import load_petition

    load_pages()
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=6))
    petition = Petition.objects.get()
    now = timezone.now()
    plan = [
        ("38", "38000", 5, 0),
        ("75", "75011", 40, 1),
        ("2A", "20000", 1, 2),
        ("974", "97400", 2, 3),
        ("69", "69001", 12, 5),
    ]
    for code, postcode, number, days_ago in plan:
        for _ in range(number):
            make_signature(petition, departement=code, postcode=postcode, confirmed_at=now - timedelta(days=days_ago))
    make_signature(petition, departement="etranger", postcode="")
    return petition


@pytest.mark.parametrize("width", [360, 1280])
def test_figures_page_is_accessible_and_the_map_leads_to_a_departement(signed, visit, live_server, width):
    figures = visit("/chiffres/", width=width)
    page = figures.page

    assert page.locator("h1").inner_text() == "Les chiffres de l'appel"
    assert page.locator(".figures-total").inner_text().split()[:2] == ["61", "signatures"]
    assert page.locator(".map a").count() == 101
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert figures.axe_violations() == []
    assert figures.origins() == {live_server.url}
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/figures-{width}.png", full_page=True)

    page.locator('.map a[href="/chiffres/38/"]').click()
    page.wait_for_url(f"{live_server.url}/chiffres/38/")
    assert page.locator(".share-sentence").inner_text() == "Isère : 5 personnes demandent le retrait du LSUN."
    assert figures.axe_violations() == []
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/isere-{width}.png", full_page=True)


def test_the_map_is_reached_with_the_keyboard(signed, visit):
    page = visit("/chiffres/", width=1280).page
    first = page.locator(".map a").first
    first.focus()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/chiffres/01/"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Ain : 0 signatures"


def test_open_data_page_is_accessible(signed, visit):
    data = visit("/donnees/", width=360)
    assert data.page.locator("h1").inner_text() == "Données ouvertes"
    assert data.axe_violations() == []
