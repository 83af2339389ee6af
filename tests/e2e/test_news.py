"""An editor publishes a post with an image; a visitor finds it. In headless Chromium, with axe-core."""

import io

import feedparser
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from PIL import Image

from news.models import Post
from tests.campaign.factories import PASSWORD, totp_code
from tests.news.factories import make_post
from tests.organisations.factories import make_editor, make_organisation


@pytest.fixture
def site(transactional_db, settings, tmp_path, live_server):
    from campaign.initial_content import load_pages

    load_pages()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url
    # A code typed at the end of its 30 s window is still accepted, as a person's would be.
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def editor(site):
    """An editor of SUD éducation with two-factor authentication (TOTP) enrolled."""
    organisation = make_organisation("SUD éducation", slug="sud-education")
    user = make_editor(organisation, "redaction@sud-education.example")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def photo(path):
    image = Image.new("RGB", (2400, 1600), (40, 90, 150))
    for x in range(0, 2400, 200):
        for y in range(0, 1600, 200):
            image.paste((230, 200, 40), (x, y, x + 100, y + 100))
    output = io.BytesIO()
    image.save(output, format="JPEG")
    path.write_bytes(output.getvalue())
    return path


def image_is_loaded(locator):
    """Waits for the image to be fetched and decoded; False if it cannot be."""
    return locator.evaluate("image => image.decode().then(() => image.naturalWidth > 0, () => false)")


def test_editor_logs_in_with_mfa_writes_previews_and_publishes_and_a_visitor_finds_it(
    editor, visit, live_server, tmp_path
):
    user, secret = editor

    # The editor logs in: password, then the code of their authenticator app.
    writing = visit("/compte/connexion/?next=/espace/actualites/nouvelle/", width=360)
    page = writing.page
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form button[type="submit"]').first.click()
    page.wait_for_url("**/compte/2fa/authenticate/**")
    page.fill('input[name="code"]', totp_code(secret))
    page.locator('main form button[type="submit"]').first.click()
    page.wait_for_url("**/espace/actualites/nouvelle/")

    # Writes the post, with an image, and previews it.
    page.get_by_label("Titre").fill("Le rectorat reçoit les parents")
    page.get_by_label("Résumé").fill("Une délégation sera reçue jeudi à 17 h.")
    page.get_by_label("Texte").fill("## Rendez-vous\n\nDevant le **rectorat**, jeudi à 16 h 30.")
    page.get_by_label("Image d'illustration (facultative)").set_input_files(photo(tmp_path / "rassemblement.jpg"))
    page.get_by_label("Description de l'image").fill("Des parents devant le rectorat")
    page.get_by_role("button", name="Aperçu du texte").click()

    preview = page.locator(".preview")
    assert preview.get_by_role("heading", name="Rendez-vous").is_visible()
    assert preview.locator("strong").inner_text() == "rectorat"
    assert image_is_loaded(preview.get_by_role("img", name="Des parents devant le rectorat"))
    assert Post.objects.count() == 0
    assert writing.axe_violations() == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Publishes: the image chosen before the preview is kept.
    page.get_by_label("Publier maintenant").check()
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("L'actualité est enregistrée ; elle est en ligne.").is_visible()
    post = Post.objects.get()
    assert (post.title, post.status, post.organisation.name) == (
        "Le rectorat reçoit les parents",
        Post.Status.PUBLISHED,
        "SUD éducation",
    )
    assert (post.image_width, post.image_height) == (1600, 1067)
    assert writing.axe_violations() == []
    assert writing.origins() == {live_server.url}

    # A visitor finds it on the home page, opens it, and finds it in the feed.
    reading = visit("/", width=360)
    home = reading.page
    home.get_by_role("link", name="Le rectorat reçoit les parents").click()
    home.wait_for_url("**/actualites/le-rectorat-recoit-les-parents/")
    assert home.get_by_role("heading", level=1, name="Le rectorat reçoit les parents").is_visible()
    assert image_is_loaded(home.get_by_role("img", name="Des parents devant le rectorat"))
    assert reading.axe_violations() == []
    assert home.evaluate("document.documentElement.scrollWidth") <= 360

    feed = feedparser.parse(home.request.get(f"{live_server.url}/actualites/rss/").body())
    assert [entry.title for entry in feed.entries] == ["Le rectorat reçoit les parents"]
    assert reading.origins() == {live_server.url}


@pytest.mark.parametrize("width", [360, 1280])
def test_news_list_and_search_are_accessible(site, visit, width):
    for number in range(12):
        make_post(f"Actualité numéro {number}", minutes_ago=100 - number, organisation=None)

    listing = visit("/actualites/", width=width)
    assert listing.axe_violations() == []
    assert listing.page.evaluate("document.documentElement.scrollWidth") <= width
    listing.page.get_by_role("link", name="Page suivante").click()
    assert listing.page.get_by_role("link", name="Actualité numéro 0").is_visible()

    searching = visit("/recherche/?q=numero", width=width)
    assert searching.page.locator("mark").first.inner_text() == "numéro"
    assert searching.axe_violations() == []


def test_editing_page_with_errors_is_accessible(editor, visit, live_server):
    user, _ = editor
    writing = visit("/", width=360)
    # Logged in as by the login page (tested above); here the page itself is under test.
    client = Client()
    client.force_login(user)
    writing.page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    writing.page.goto(f"{live_server.url}/espace/actualites/nouvelle/")
    writing.page.get_by_label("Publier maintenant").check()
    writing.page.get_by_role("button", name="Enregistrer").click()

    summary = writing.page.locator(".error-summary")
    assert summary.get_by_role("link", name="Titre : Donnez un titre à l'actualité avant de la publier.").is_visible()
    assert writing.axe_violations() == []
    assert writing.page.evaluate("document.documentElement.scrollWidth") <= 360
