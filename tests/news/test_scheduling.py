"""A scheduled post appears at its time with no cron: visibility is the query."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
import time_machine

from tests.news.factories import make_post

PUBLICATION = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
TITLE = "Grève des évaluations le 5 juin"


def where_the_post_appears(client, post):
    """Every public surface, and whether the post shows there."""
    url = post.get_absolute_url()
    rss = feedparser.parse(client.get("/actualites/rss/").content)
    atom = feedparser.parse(client.get("/actualites/atom/").content)
    return {
        "list": TITLE in client.get("/actualites/").content.decode(),
        "detail": client.get(url).status_code == 200,
        "rss": [entry.title for entry in rss.entries] == [TITLE],
        "atom": [entry.title for entry in atom.entries] == [TITLE],
        "sitemap": f"{url}</loc>" in client.get("/sitemap.xml").content.decode(),
        "search": f'<a href="{url}">{TITLE}</a>' in client.get("/recherche/?q=greve").content.decode(),
        "home": TITLE in client.get("/").content.decode(),
    }


@pytest.fixture
def scheduled(pages):
    with time_machine.travel(PUBLICATION - timedelta(days=1), tick=False):
        return make_post(TITLE, minutes_ago=-24 * 60, body="Les enseignants refusent de remplir le LSUN.")


def test_scheduled_post_is_invisible_before_its_time(client, scheduled):
    with time_machine.travel(PUBLICATION - timedelta(seconds=1), tick=False):
        seen = where_the_post_appears(client, scheduled)

    assert seen == dict.fromkeys(seen, False)


def test_scheduled_post_is_visible_from_its_time(client, scheduled):
    with time_machine.travel(PUBLICATION, tick=False):
        seen = where_the_post_appears(client, scheduled)

    assert seen == dict.fromkeys(seen, True)


@pytest.mark.parametrize("path", ["/actualites/rss/", "/actualites/atom/", "/sitemap.xml"])
def test_caches_expire_when_the_scheduled_post_appears(client, scheduled, path):
    with time_machine.travel(PUBLICATION - timedelta(seconds=100), tick=False):
        soon = client.get(path)
    with time_machine.travel(PUBLICATION + timedelta(seconds=1), tick=False):
        after = client.get(path)

    # Capped by the publication, and no serving stale past it.
    assert soon["Cache-Control"] == "public, max-age=100, stale-if-error=86400"
    assert after["Cache-Control"] == "public, max-age=600, stale-if-error=86400, stale-while-revalidate=600"


def test_cache_lifetime_follows_the_nearest_scheduled_post(client, pages):
    with time_machine.travel(PUBLICATION, tick=False):
        make_post("Dans une heure", minutes_ago=-60)
        make_post("Dans cinq minutes", minutes_ago=-5)
        make_post("Déjà publiée", minutes_ago=5)

        response = client.get("/actualites/rss/")

    assert response["Cache-Control"] == "public, max-age=300, stale-if-error=86400"
