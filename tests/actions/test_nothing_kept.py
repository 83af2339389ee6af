"""A letter leaves nothing behind: no row, no session, no cache entry, no log line with what was typed."""

import logging

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from campaign.models import RateLimitHits
from tests.actions.factories import access_request, make_officer, motion

# Values nobody else would type, to look for everywhere afterwards.
TYPED = {
    "nom_parent": "Zéphyrine Quintal-Tessier",
    "adresse_parent": "7 impasse des Grillons-Bleus\n82370 Corbarieu-Témoin",
    "nom_enfant": "Anatole Quintal-Tessier",
    "classe": "CM2 Ginkgo",
    "ecole": "École des Saules-Témoins, Corbarieu",
    "lieu": "Corbarieu-Témoin",
    "email_destinataire": "temoin.unique@ecole-temoin.example",
}
TYPED_MOTION = {
    "ecole": "Collège des Saules-Témoins, Corbarieu",
    "noms_representants": "Zéphyrine Quintal-Tessier, Barnabé Ouvrard-Témoin",
    "email_destinataire": "temoin.unique@college-temoin.example",
}
NEEDLES = [
    "Zéphyrine",
    "Quintal",
    "Grillons",
    "Anatole",
    "Ginkgo",
    "Saules",
    "Corbarieu",
    "temoin.unique",
    "Ouvrard",
]


def row_counts():
    """The number of rows of every model, Django's own and the libraries' included."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models(include_auto_created=True)}


def database_text():
    """Every row of every table of the database, as text."""
    with connection.cursor() as cursor:
        rows = []
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} t")  # noqa: S608
            rows.extend(f"{table}: {row}" for (row,) in cursor.fetchall())
    return "\n".join(rows)


def local_cache_keys():
    return set(caches["local"]._cache)


def found_in(text):
    return [needle for needle in NEEDLES if needle.lower() in text.lower()]


@pytest.fixture
def watch(letters, caplog):
    """What the database, the process cache and the logs hold, before and after."""
    caplog.set_level(logging.DEBUG)
    make_officer("Toulouse")  # the list is read, never written
    before = (row_counts(), local_cache_keys())
    return before


def log_text(caplog):
    return "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/agir/lettre-acces-donnees/", access_request(**TYPED)),
        (
            "/agir/lettre-acces-donnees/",
            access_request(
                **TYPED,
                destinataire_type="autre",
                destinataire_autre="Monsieur Ouvrard-Témoin",
                adresse_destinataire="1 rue des Saules\n82370 Corbarieu",
            ),
        ),
        ("/agir/motion-conseil-ecole/", motion(**TYPED_MOTION)),
        ("/en/act/lettre-acces-donnees/", access_request(**TYPED, langue="fr")),
    ],
)
def test_writing_a_letter_stores_and_logs_nothing_of_it(client, watch, caplog, path, data):
    counts, cache_keys = watch
    client.get(path)

    letter = client.post(path, data)
    edited = client.post(path, {**data, "action": "edit"})
    refused = client.post(path, {**data, "lieu": "", "ecole": ""})

    assert "Quintal" in letter.content.decode()  # the letter was made…
    assert "Quintal" in edited.content.decode()
    assert "Quintal" in refused.content.decode()
    assert row_counts() == counts  # …and no table has a row more or less,
    assert found_in(database_text()) == []  # nothing typed is in any row of any table,
    assert local_cache_keys() == cache_keys  # nor in the process's cache,
    assert found_in(log_text(caplog)) == []  # nor in any log record.
    routes = [record.route for record in caplog.records if record.name == "campaign.requests"]
    assert set(routes) == {"/en/act/<slug:slug>/" if path.startswith("/en/") else "/agir/<slug:slug>/"}
    for response in (letter, edited, refused):
        assert set(response.cookies) <= {"csrftoken"}
        assert "no-store" in response["Cache-Control"]


def test_a_pdf_stores_only_the_time_of_the_request_against_the_rate_limit(client, watch, caplog):
    counts, cache_keys = watch

    response = client.post("/agir/lettre-acces-donnees/", access_request(**TYPED, action="pdf"))

    assert response["Content-Type"] == "application/pdf"
    # The rate limit counts the request (a keyed hash of the client's network
    # and the times of its requests) where every process sees it: in Redis
    # with CACHE_URL, else in one row of PostgreSQL.
    expected = dict(counts)
    if not isinstance(caches["default"], RedisCache):
        expected[RateLimitHits._meta.label] += 1
        [key] = RateLimitHits.objects.values_list("key", flat=True)
        assert ":ratelimit:letter-pdf:" in key
    assert row_counts() == expected
    assert found_in(database_text()) == []
    assert local_cache_keys() == cache_keys
    assert found_in(log_text(caplog)) == []
    assert "no-store" in response["Cache-Control"]
