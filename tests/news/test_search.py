import re
import time
from html import unescape

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaign.env import Rate, parse_rates
from news.models import Post
from tests.campaign.html_text import block_texts, heading
from tests.campaign.test_settings import load_settings
from tests.news.factories import make_post


def hit_titles(html):
    return [unescape(title) for title in re.findall(r'<h2 class="search-hit-title"><a href="[^"]+">([^<]*)</a>', html)]


def excerpts(html):
    return re.findall(r'<p class="search-excerpt" lang="fr">(.*?)</p>', html, re.S)


def search(client, query, **params):
    response = client.get("/recherche/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("enfants", "Un enfant fiché"),
        ("eleves", "Les élèves et le LSUN"),
        ("ÉLÈVES", "Les élèves et le LSUN"),
        ("élève", "Les élèves et le LSUN"),
        ("fichage", "Contre le fichage"),
    ],
)
def test_french_stemming_and_accents(client, db, query, title):
    make_post("Un enfant fiché", body="Chaque enfant a un dossier.", summary="Un dossier.")
    make_post("Les élèves et le LSUN", body="Les élèves de primaire.", summary="Primaire.")
    make_post("Contre le fichage", body="Le fichage commence tôt.", summary="Tôt.")

    assert hit_titles(search(client, query)) == [title]


def test_results_are_ranked_title_first(client, db):
    make_post("Réunion publique", body="On y parlera du livret scolaire.", minutes_ago=10)
    make_post("Le livret scolaire en question", body="Une analyse.", minutes_ago=100)

    assert hit_titles(search(client, "livret")) == ["Le livret scolaire en question", "Réunion publique"]


def test_appeal_is_searched_too(client, pages):
    make_post("Rassemblement", body="Rien sur le sujet.")

    html = search(client, "accélération")

    assert hit_titles(html) == ["Retrait du Livret Scolaire Unique Numérique"]
    assert '<a href="/appel/">Retrait du Livret Scolaire Unique Numérique</a>' in html
    assert "<mark>accélération</mark>" in excerpts(html)[0]


def test_only_published_posts_are_found(client, db):
    make_post("Brouillon fichage", status=Post.Status.DRAFT)
    make_post("Programmée fichage", minutes_ago=-10)
    make_post("Publiée fichage")

    assert hit_titles(search(client, "fichage")) == ["Publiée fichage"]


def test_excerpt_highlights_the_words_and_escapes_the_rest(client, db):
    make_post(
        "Attention",
        summary="<script>alert(1)</script> & les élèves",  # the excerpt keeps the best fragments, not this one
        body="Un texte <img src=x onerror=alert(1)> sur les **élèves** fichés.",
    )

    [excerpt] = excerpts(search(client, "eleves"))

    assert excerpt == (
        "<mark>élèves</mark> Un texte &lt;img src=x onerror=alert(1)&gt; sur les <mark>élèves</mark> fichés"
    )


def test_results_are_paginated(client, db, settings):
    settings.NEWS_SEARCH_PER_PAGE = 3
    for number in range(7):
        make_post(f"Mobilisation {number}", minutes_ago=100 - number)

    first = search(client, "mobilisation")
    last = search(client, "mobilisation", page=3)

    assert hit_titles(first) == ["Mobilisation 6", "Mobilisation 5", "Mobilisation 4"]
    assert hit_titles(last) == ["Mobilisation 0"]
    assert block_texts(first, "search-count") == ["7 résultats pour « mobilisation »"]
    assert '<a href="?q=mobilisation&amp;page=2" rel="next">Page suivante</a>' in first
    assert '<ol class="search-results" start="7">' in last


def test_empty_query_explains_how_to_search(client, db):
    html = search(client, "")

    assert (
        block_texts(html, "search-help")[0]
        == "Cherchez dans le texte de l'appel et dans toutes les actualités publiées."
    )
    assert "search-results" not in html


def test_no_result_gives_advice(client, pages):
    html = search(client, "zzyzx")

    assert block_texts(html, "search-help") == [
        "Aucun résultat pour « zzyzx ».",
        "Vérifiez l'orthographe, ou essayez un mot voisin.",
        "Essayez avec moins de mots : une page doit contenir tous les mots cherchés.",
        "Parcourez toutes les actualités ou lisez l'appel.",
    ]


@pytest.mark.parametrize("query", ["le la de", "!!!", "&&& ||| ::", '"', "-", "*:*", "« » … —"])
def test_queries_without_words_get_a_helpful_page(client, pages, query):
    html = search(client, query)

    assert block_texts(html, "search-help")[0].endswith(
        "ne contient que des mots trop courants ou des signes, que la recherche ignore."
    )


def test_sql_looking_query_is_just_words(client, pages):
    make_post("Table ronde", body="Une table ronde sur le LSUN.")

    assert hit_titles(search(client, "'); DROP TABLE campaign_post; --")) == []
    assert hit_titles(search(client, "table")) == ["Table ronde"]


def test_too_long_query_is_refused_with_a_message(client, db):
    html = search(client, "mot " * 60)

    assert "Votre recherche est trop longue : gardez quelques mots (200 caractères au plus)." in html
    assert "search-results" not in html


def test_null_character_is_refused_not_a_crash(client, db):
    html = search(client, "élè\x00ves")

    assert "Le caractère nul n’est pas autorisé." in html


@given(query=st.text(max_size=250), page=st.text(max_size=8))
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_gives_a_page_never_an_error(client, pages, settings, query, page):
    settings.SEARCH_RATE_LIMITS = []
    response = client.get("/recherche/", {"q": query, "page": page})

    assert response.status_code == 200
    assert heading(response.content.decode()) == "Rechercher"


def test_search_in_the_english_interface(client, pages):
    make_post("Les élèves et le LSUN")

    html = client.get("/en/recherche/", {"q": "eleves"}).content.decode()

    # The appeal's English translation speaks of "Base Élèves" too; the post's title weighs more.
    assert hit_titles(html) == ["Les élèves et le LSUN", "Withdrawal of the Livret Scolaire Unique Numérique"]


def test_searches_are_rate_limited_per_client_with_a_french_page(client, db, settings):
    settings.SEARCH_RATE_LIMITS = parse_rates("2/1m")
    make_post("Contre le fichage")
    for _ in range(2):
        assert hit_titles(search(client, "fichage")) == ["Contre le fichage"]
    # The empty page costs nothing and is not counted.
    assert client.get("/recherche/").status_code == 200

    response = client.get("/recherche/", {"q": "fichage"})
    html = response.content.decode()

    assert response.status_code == 429
    assert block_texts(html, "error-summary") == [
        "Trop de recherches depuis votre connexion",
        "Beaucoup de recherches ont été envoyées depuis votre réseau en peu de temps. Pour que le site reste rapide "
        "pour tout le monde, nous n'avons pas lancé celle-ci. Réessayez dans quelques minutes : votre recherche est "
        "conservée ci-dessus.",
    ]
    assert '<input type="search" name="q" value="fichage"' in html
    assert hit_titles(html) == []
    assert "<title>Erreur : « fichage » : recherche" in html


def test_another_client_can_still_search(client, db, settings):
    settings.SEARCH_RATE_LIMITS = parse_rates("1/1m")
    make_post("Contre le fichage")
    search(client, "fichage")

    other = client.get("/recherche/", {"q": "fichage"}, REMOTE_ADDR="192.0.2.7")

    assert other.status_code == 200
    assert hit_titles(other.content.decode()) == ["Contre le fichage"]


def test_search_rate_limits_from_the_environment(monkeypatch):
    monkeypatch.delenv("SEARCH_RATE_LIMITS", raising=False)
    assert load_settings(monkeypatch)["SEARCH_RATE_LIMITS"] == [Rate(30, 60), Rate(300, 3600)]
    assert load_settings(monkeypatch, SEARCH_RATE_LIMITS="100/1h")["SEARCH_RATE_LIMITS"] == [Rate(100, 3600)]
    with pytest.raises(ImproperlyConfigured, match="SEARCH_RATE_LIMITS"):
        load_settings(monkeypatch, SEARCH_RATE_LIMITS="lots")


@pytest.mark.parametrize(
    "query", ["q=%00", "q=%ED%A0%80%FF", "q=" + "a" * 100_000, "q=fichage&page=%00", "q=a&page=-1"]
)
def test_malformed_queries_get_the_page_quickly(client, pages, query):
    start = time.perf_counter()
    response = client.get(f"/recherche/?{query}")

    assert time.perf_counter() - start < 1
    assert response.status_code == 200
    assert heading(response.content.decode()) == "Rechercher"
