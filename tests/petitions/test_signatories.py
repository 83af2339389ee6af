from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches

from petitions import counter
from petitions.models import Signature
from tests.campaign.html_text import block_texts
from tests.petitions.factories import form_data, make_signature

DAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def many_signatures(petition, count, **fields):
    """``count`` confirmed signatures in one INSERT, one minute apart, newest last."""
    revision = petition.appeal.current_revision()
    Signature.objects.bulk_create(
        [
            Signature(
                petition=petition,
                first_name=f"Prénom{number}",
                last_name="Martin",
                email=f"s{number}@example.org",
                email_normalised=f"s{number}@example.org",
                postcode="75011",
                departement="75",
                role="parent",
                appeal_revision=revision,
                created_at=DAY,
                confirmed_at=DAY + timedelta(minutes=number),
                **fields,
            )
            for number in range(count)
        ]
    )


@time_machine.travel(datetime(2026, 12, 10, 12, 0, tzinfo=UTC), tick=False)
def test_only_signers_who_asked_are_listed_newest_first(client, petition):
    make_signature(
        petition,
        first_name="Zoé",
        last_name="l'Hôte",
        departement="2A",
        show_name=True,
        confirmed_at=DAY + timedelta(1),
    )
    make_signature(petition, first_name="Nguyễn", last_name="Văn", departement="etranger", postcode="", show_name=True)
    make_signature(petition, first_name="Caché", last_name="Secret", show_name=False)
    make_signature(petition, first_name="Pas", last_name="Confirmé", show_name=True, confirmed=False)
    make_signature(
        petition, first_name="Ancien", last_name="Durand", departement="974", postcode="97400", show_name=True,
        created_at=DAY - timedelta(days=3), confirmed_at=DAY - timedelta(days=3),
    )  # fmt: skip

    response = client.get("/signataires/")
    html = response.content.decode()

    assert dict(response.cookies) == {}
    assert block_texts(html, "signatories") == [
        "Nguyễn V., Étranger, 10 décembre 2026",
        "Zoé L., Corse-du-Sud (2A), 2 décembre 2026",
        "Ancien D., La Réunion (974), 28 novembre 2026",
    ]
    assert block_texts(html, "signatories-hidden") == ["1 signataire a choisi de ne pas apparaître dans cette liste."]
    assert "Secret" not in html and "Caché" not in html and "Confirmé" not in html
    assert "@" not in html.split("<main")[1].split("</main>")[0]


def test_list_is_paginated_by_fifty(client, petition):
    many_signatures(petition, 120, show_name=True)

    first = client.get("/signataires/").content.decode()
    third = client.get("/signataires/?page=3").content.decode()
    beyond = client.get("/signataires/?page=99").content.decode()
    junk = client.get("/signataires/?page=abc").content.decode()

    assert len(block_texts(first, "signatories")) == 50
    assert block_texts(first, "signatories")[0].startswith("Prénom119 M.")
    assert block_texts(third, "signatories")[-1].startswith("Prénom0 M.")
    assert len(block_texts(third, "signatories")) == 20
    assert '<ol class="signatories" start="101"' in third
    assert block_texts(first, "pagination") == ["Page 1 sur 3", "Plus anciens"]
    assert block_texts(third, "pagination") == ["Plus récents", "Page 3 sur 3"]
    assert '<a href="?page=2" rel="prev">Plus récents</a>' in third
    assert block_texts(beyond, "signatories") == block_texts(third, "signatories")
    assert block_texts(junk, "signatories") == block_texts(first, "signatories")


def test_empty_list(client, petition):
    make_signature(petition, show_name=False)

    html = client.get("/signataires/").content.decode()

    assert block_texts(html, "signatories-hidden") == ["1 signataire a choisi de ne pas apparaître dans cette liste."]
    assert "<p>Personne n'a encore choisi d'apparaître dans la liste.</p>" in html


@pytest.mark.parametrize("rows", [1, 120])
def test_pages_cost_the_same_queries_whatever_the_number_of_signatures(
    client, petition, rows, django_assert_num_queries
):
    many_signatures(petition, rows, show_name=True)
    caches["local"].delete(counter.CACHE_KEY)

    # The appeal; the next scheduled post (caches expire then); the petition with
    # its count (then cached); the latest news; the organisations.
    with django_assert_num_queries(5):
        assert client.get("/").status_code == 200
    # The count comes from the cache now; the sign page needs nothing else.
    with django_assert_num_queries(0):
        assert client.get("/signer/").status_code == 200
    # One page of names.
    with django_assert_num_queries(1):
        assert client.get("/signataires/").status_code == 200
    with django_assert_num_queries(0):
        api = client.get("/api/petition.json")
    assert api.json()["signatures"] == rows
    caches["local"].delete(counter.CACHE_KEY)
    with django_assert_num_queries(1):
        assert client.get("/signer/").status_code == 200
    caches["local"].delete(counter.CACHE_KEY)
    with django_assert_num_queries(2):
        assert client.get("/signataires/").status_code == 200


@pytest.mark.parametrize("existing", [1, 120])
def test_signing_takes_a_handful_of_queries(client, petition, existing, django_assert_max_num_queries):
    many_signatures(petition, existing)
    client.get("/signer/")  # the count is cached, as it is under load

    # The rate limit and the used anti-robot stamp (the store every process
    # shares), then the transaction, INSERT of the signature (with its appeal
    # revision), the outbox row (get_or_create: SELECT, savepoint, INSERT,
    # release) and the task that wakes the worker.
    with django_assert_max_num_queries(10):
        response = client.post("/signer/", form_data())

    assert response.status_code == 302
    assert Signature.objects.filter(email="zoe@example.org", confirmed_at__isnull=True).count() == 1


@pytest.mark.parametrize("path", ["/signataires/", "/en/signataires/", "/signataires/?page=2"])
def test_the_list_asks_search_engines_not_to_index_it(client, petition, settings, path, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 5
    settings.PAGE_CACHE_GENERATION_CHECK = 3600
    make_signature(petition, first_name="Zoé", show_name=True)

    first = client.get(path)
    with django_assert_num_queries(0):
        again = client.get(path)  # from the page cache

    for response in (first, again):
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex"
        assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_other_pages_may_be_indexed(client, petition):
    response = client.get("/signer/")

    assert "X-Robots-Tag" not in response
    assert 'name="robots"' not in response.content.decode()


def test_the_consent_to_appear_says_the_list_is_not_indexed(client, petition):
    french = client.get("/signer/").content.decode()
    english = client.get("/en/signer/").content.decode()

    assert (
        "Votre prénom, l'initiale de votre nom et votre département. La liste se consulte sur ce site ; "
        "elle n'est pas indexée par les moteurs de recherche."
    ) in french
    assert (
        "Your first name, the initial of your last name and your département. The list can be read on this site; "
        "it is not indexed by search engines."
    ) in english


def test_the_privacy_notice_says_the_list_is_not_indexed(client, petition):
    html = client.get("/confidentialite/").content.decode()

    assert (
        "Elle se consulte sur ce site mais n'est pas indexée par les moteurs de recherche : la page le leur "
        "demande et ne figure pas dans le plan du site."
    ) in html
