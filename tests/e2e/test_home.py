import pytest


@pytest.fixture
def site(transactional_db):
    from campaign.initial_content import load_pages

    load_pages()


@pytest.mark.parametrize("width", [360, 1280])
def test_home_page_in_a_real_browser(site, visit, live_server, width):
    visit_ = visit("/", width=width)
    page = visit_.page

    title = page.get_by_role("heading", level=1, name="Retrait du Livret Scolaire Unique Numérique")
    assert title.is_visible()
    box = title.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing overflows at 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit_.origins() == {live_server.url}
    assert visit_.axe_violations() == []


def test_skip_link_moves_focus_to_the_content(site, visit):
    page = visit("/", width=360).page

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")

    assert page.evaluate("location.hash") == "#contenu"


def test_appeal_page_in_english_interface(site, visit, live_server):
    visit_ = visit("/en/appel/")

    assert visit_.page.get_by_role("link", name="Skip to content").count() == 1
    assert visit_.axe_violations() == []


def test_axe_harness_does_report_violations(site, visit):
    """Guards the harness itself: an empty result must mean a clean page, not a silent axe."""
    visit_ = visit("/")
    visit_.page.set_content('<html><body><img src="/static/css/site.css"><a href="#"></a></body></html>')

    assert {violation["id"] for violation in visit_.axe_violations()} >= {"image-alt", "link-name", "html-has-lang"}
