"""A union's website embeds the counter: the iframe and the badge render on another origin."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from petitions.models import Petition
from tests.conftest import use_own_cache
from tests.e2e.conftest import Visit
from tests.petitions.factories import make_signature


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


@pytest.fixture
def petition(transactional_db, settings, live_server):
    from campaign.initial_content import load_pages
    from petitions.initial_content import load_petition

    settings.SITE_URL = live_server.url
    load_pages()
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=1), goal=1000)
    petition = Petition.objects.get()
    for _ in range(7):
        make_signature(petition)
    return petition


@pytest.fixture
def union_site(live_server):
    """A union's website on another origin (another port), with the snippets of /relayer/ pasted in."""
    site = live_server.url
    body = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Syndicat</title></head><body>
<h1>Notre syndicat soutient l'appel</h1>
<iframe id="counter" src="{site}/widget/compteur/" title="Appel" width="360" height="170"></iframe>
<a href="{site}/signer/"><img id="badge" src="{site}/widget/compteur.svg" alt="Compteur"></a>
<iframe id="refused" src="{site}/appel/" title="L'appel" width="360" height="170"></iframe>
</body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_counter_and_badge_render_on_another_site(petition, browser, union_site, live_server):
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(union_site)
        page.wait_for_load_state("load")

        frame = page.frame_locator("#counter")
        assert frame.locator(".widget-number").inner_text() == "7"
        assert frame.get_by_role("link", name="Signer l'appel (nouvel onglet)").get_attribute("href") == (
            f"{live_server.url}/signer/"
        )
        badge = page.locator("#badge")
        assert badge.evaluate("image => image.complete && image.naturalWidth") > 100
        # Every other page of the site refuses to be framed: no content of ours inside.
        framed = [frame.url for frame in page.frames[1:]]
        assert framed == [f"{live_server.url}/widget/compteur/", "chrome-error://chromewebdata/"]
        assert context.cookies() == []
    finally:
        context.close()


def test_spread_page_has_no_accessibility_violation(petition, visit, live_server):
    visit_ = visit("/relayer/", width=360)
    page = visit_.page

    assert page.get_by_role("heading", level=1, name="Relayer la campagne").is_visible()
    preview = page.frame_locator("iframe").first
    assert preview.locator(".widget-number").inner_text() == "7"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert visit_.origins() == {live_server.url}
    assert visit_.axe_violations() == []


def test_counter_frame_has_no_accessibility_violation(petition, visit):
    for query in ("", "?theme=sombre&lang=en"):
        visit_ = visit("/widget/compteur/" + query, width=360, height=170)

        assert visit_.axe_violations() == []


def test_editors_page_of_the_link_is_accessible(petition, browser, live_server):
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.test import Client

    from tests.organisations.factories import make_editor, make_organisation

    sud = make_organisation("SUD éducation", slug="sud-education")
    for _ in range(3):
        make_signature(petition, via=sud)
    client = Client()
    client.force_login(make_editor(sud, second_factor=True))
    context = browser.new_context(viewport={"width": 360, "height": 900}, locale="fr-FR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlsplit(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/espace/organisations/sud-education/relayer/")
        visit_ = Visit(page)

        assert page.get_by_role(
            "img", name="Signatures confirmées venues par le lien de SUD éducation, par jour"
        ).is_visible()
        assert page.locator(".reach-table td").all_inner_texts() == ["3"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert visit_.axe_violations() == []
    finally:
        context.close()
