import gzip
from datetime import timedelta

import brotli
import pytest
from django.test import Client
from django.utils import timezone

from campaign import http_cache
from campaign.models import CacheGeneration, Page


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 5


@pytest.fixture
def slow_checks(settings):
    """Another process's bump is seen only at the next check; make checks explicit."""
    settings.PAGE_CACHE_GENERATION_CHECK = 3600


def test_public_page_headers(client, pages):
    response = client.get("/")

    assert response["Cache-Control"] == "public, max-age=60, stale-if-error=86400, stale-while-revalidate=600"
    assert response["Vary"] == "Accept-Encoding"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Content-Length"] == str(len(response.content))
    assert response.cookies == {}


def test_conditional_request_gets_304(client, pages):
    etag = client.get("/appel/")["ETag"]

    response = client.get("/appel/", headers={"if-none-match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=60")


def test_second_reader_is_served_from_memory_without_touching_the_database(
    client, pages, slow_checks, django_assert_num_queries
):
    first = client.get("/")

    with django_assert_num_queries(0):
        second = client.get("/")

    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"), [("br, gzip", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)]
)
def test_compressed_variants(client, pages, accept, encoding, decode):
    plain = client.get("/").content

    response = client.get("/", headers={"accept-encoding": accept})

    assert response["Content-Encoding"] == encoding
    assert decode(response.content) == plain
    assert response["ETag"].endswith(f'-{encoding}"')


@pytest.mark.django_db(transaction=True)
def test_new_appeal_revision_invalidates_cached_pages(pages, slow_checks):
    client = Client()
    assert "Nouveau texte" not in client.get("/").content.decode()

    Page.objects.get(slug=Page.APPEAL).publish(title="Retrait du LSUN", body="Nouveau texte.")

    assert "Nouveau texte." in client.get("/").content.decode()


def test_another_process_bump_is_seen_at_the_next_check(client, pages, settings):
    settings.PAGE_CACHE_GENERATION_CHECK = 0
    client.get("/")
    Page.objects.get(slug=Page.APPEAL).revisions.create(title="Texte changé ailleurs", body="Ailleurs.")

    CacheGeneration.bump(CacheGeneration.PAGES)  # as the process that saved it would

    assert "Texte changé ailleurs" in client.get("/").content.decode()


def test_reader_with_a_session_bypasses_the_process_cache(client, pages, slow_checks):
    client.get("/")
    Page.objects.get(slug=Page.APPEAL).revisions.create(title="Vu par l'équipe", body="Texte.")
    client.cookies["sessionid"] = "anything"

    response = client.get("/")

    assert "Vu par l&#x27;équipe" in response.content.decode()
    assert response["Cache-Control"].startswith("public")


def test_pages_expire_before_the_next_scheduled_publication(client, pages, monkeypatch):
    monkeypatch.setattr(http_cache, "horizons", [in_thirty_seconds])

    response = client.get("/")

    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 28 <= max_age <= 30


def in_thirty_seconds():
    return timezone.now() + timedelta(seconds=30)


def test_non_public_pages_are_not_cached(client, db):
    response = client.get("/compte/connexion/")

    assert "public" not in response.get("Cache-Control", "")
    assert "ETag" not in response


def test_each_request_is_logged_without_personal_data(client, pages, caplog):
    with caplog.at_level("INFO", logger="campaign.requests"):
        response = client.get("/appel/?email=zoe@example.org", REMOTE_ADDR="203.0.113.7")
        client.get("/compte/password/reset/key/abcdefghijklmnopqrstuvwxyz0123-set-password/")

    first, second = [r for r in caplog.records if r.name == "campaign.requests"]
    assert (first.method, first.route, first.status, first.request_id) == (
        "GET",
        "/appel/",
        200,
        response["X-Request-ID"],
    )
    assert second.route == "/compte/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$"
    text = caplog.text
    assert "zoe@example.org" not in text and "203.0.113.7" not in text and "abcdefghijklmnop" not in text
