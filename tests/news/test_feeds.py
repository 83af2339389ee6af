import re

import feedparser
import pytest

from news.models import Post
from tests.campaign.html_text import heading
from tests.news.factories import make_post
from tests.organisations.factories import make_organisation


def parse(client, path):
    response = client.get(path)
    assert response.status_code == 200
    feed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def posts(db, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    sud = make_organisation("SUD éducation", slug="sud-education")
    older = make_post("Rassemblement", minutes_ago=300, organisation=sud, body="Voir [l'appel](/appel/).")
    newer = make_post("Le ministère répond", minutes_ago=30, summary="Une réponse < attendue & lue.")
    make_post("Brouillon", status=Post.Status.DRAFT)
    make_post("Programmée", minutes_ago=-30)
    return newer, older


@pytest.mark.parametrize(("path", "version"), [("/actualites/rss/", "rss20"), ("/actualites/atom/", "atom10")])
def test_feed_contains_exactly_the_public_posts_newest_first(client, posts, path, version):
    newer, _ = posts

    _, feed = parse(client, path)

    assert feed.version == version
    assert [entry.title for entry in feed.entries] == ["Le ministère répond", "Rassemblement"]
    assert [entry.link for entry in feed.entries] == [
        "https://retrait-lsun.example/actualites/le-ministere-repond/",
        "https://retrait-lsun.example/actualites/rassemblement/",
    ]
    assert feed.feed.title == "Actualités de l'appel pour le retrait du LSUN"
    assert feed.feed.link == "https://retrait-lsun.example/actualites/"
    # Full content, with links that work away from the site.
    assert feed.entries[1].content[0].value == (
        '<p>Voir <a href="https://retrait-lsun.example/appel/">l\'appel</a>.</p>'
    )
    assert feed.entries[0].summary == "Une réponse &lt; attendue &amp; lue."  # HTML for "<" and "&"
    assert feed.entries[1].author == "SUD éducation"
    assert feed.entries[0].published_parsed[:5] == newer.published_at.utctimetuple()[:5]


def test_feed_keeps_the_twenty_latest(client, db):
    for number in range(25):
        make_post(f"Actualité {number:02d}", minutes_ago=100 - number)

    _, feed = parse(client, "/actualites/rss/")

    assert [entry.title for entry in feed.entries] == [f"Actualité {number:02d}" for number in range(24, 4, -1)]


def test_cover_image_is_in_the_feed_content(client, db, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    post = make_post("Avec image", image="posts/photo.jpg", image_alt="Des parents", body="Texte.")
    Post.objects.filter(pk=post.pk).update(image_width=800, image_height=600)

    _, feed = parse(client, "/actualites/atom/")

    assert feed.entries[0].content[0].value == (
        '<p><img alt="Des parents" height="600" src="https://retrait-lsun.example/media/posts/photo.jpg" width="800" />'
        "</p>\n<p>Texte.</p>"
    )


def test_organisation_feed_has_only_its_posts(client, posts):
    _, feed = parse(client, "/organisations/sud-education/rss/")

    assert [entry.title for entry in feed.entries] == ["Rassemblement"]
    assert feed.feed.title == "Actualités de SUD éducation — appel pour le retrait du LSUN"


def test_feed_of_unknown_or_pending_organisation_is_not_found(client, db):
    make_organisation("En attente", slug="en-attente", status="pending")

    unknown = client.get("/organisations/inconnue/rss/")
    pending = client.get("/organisations/en-attente/rss/")

    assert (unknown.status_code, pending.status_code) == (404, 404)
    assert heading(unknown.content.decode()) == heading(pending.content.decode()) == "Page introuvable"


def test_empty_feed_is_valid(client, db):
    _, feed = parse(client, "/actualites/atom/")

    assert feed.entries == []


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/", "/"),
        ("/appel/", "/"),
        ("/actualites/", "/"),
        ("/recherche/", "/"),
        ("/page-inexistante/", "/"),
        ("/en/", "/en/"),
    ],
)
def test_every_page_announces_the_feeds(client, pages, path, prefix):
    html = client.get(path).content.decode()

    links = re.findall(r'<link rel="alternate" type="application/(rss|atom)\+xml" title="[^"]+" href="([^"]+)">', html)
    assert links == [("rss", f"{prefix}actualites/rss/"), ("atom", f"{prefix}actualites/atom/")]
