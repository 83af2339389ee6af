"""/agir/: sign, share, collect on paper, write."""

import re

from tests.campaign.html_text import heading
from tests.petitions.factories import featured_petition


def test_the_act_page_lists_what_a_parent_can_do(client, letters):
    featured_petition()

    response = client.get("/agir/")
    html = response.content.decode()

    assert response["Cache-Control"].startswith("public, max-age=60")
    assert response.cookies == {}
    assert heading(html) == "Ce que vous pouvez faire"
    assert re.findall(r'<h2 id="act-\w+">([^<]+)</h2>', html) == [
        "Signer l'appel",
        "Faire connaître l'appel",
        "Recueillir des signatures sur papier",
        "Écrire",
    ]
    assert '<a class="button button-large" href="/signer/">Signer l\'appel</a>' in html
    assert '<a href="/signer/papier/">La feuille de signatures à imprimer</a>' in html
    assert re.findall(r'<h3><a href="([^"]+)">([^<]+)</a></h3>', html) == [
        ("/agir/lettre-acces-donnees/", "Demander ce qui est enregistré sur votre enfant"),
        ("/agir/motion-conseil-ecole/", "Proposer une motion au conseil d&#x27;école"),
    ]
    # The sharing page, rather than the plain share links of the thank-you page.
    assert '<a href="/relayer/">Relayer l\'appel : liens, images et compteur à reprendre</a>' in html
    assert 'class="share-links"' not in html


def test_the_act_page_links_to_the_sharing_and_paper_pages_when_the_site_has_them(client, letters, settings):
    settings.ROOT_URLCONF = "tests.actions.seam_urls"

    french = client.get("/agir/").content.decode()
    english = client.get("/en/act/").content.decode()

    assert re.findall(r'<h2 id="act-\w+">([^<]+)</h2>', french) == [
        "Signer l'appel",
        "Faire connaître l'appel",
        "Recueillir des signatures sur papier",
        "Écrire",
    ]
    assert '<a href="/relayer/">Relayer l\'appel : liens, images et compteur à reprendre</a>' in french
    assert '<a href="/signer/papier/">La feuille de signatures à imprimer</a>' in french
    assert 'class="share-links"' not in french
    assert '<a href="/en/relayer/">Spread the appeal: links, images and a counter to reuse</a>' in english
    assert '<a href="/en/signer/papier/">The signature sheet to print</a>' in english


def test_the_act_page_in_english(client, letters):
    html = client.get("/en/act/").content.decode()

    assert heading(html) == "What you can do"
    assert '<a href="/en/act/lettre-acces-donnees/">Ask what is recorded about your child</a>' in html
    assert '<li><a href="/en/act/" aria-current="page">Act</a></li>' in html


def test_the_act_page_costs_one_query_then_none(client, letters, django_assert_num_queries):
    featured_petition()

    with django_assert_num_queries(1):  # the petition's count, then kept in the process's memory
        client.get("/agir/")
    with django_assert_num_queries(0):
        client.get("/agir/")


def test_every_page_links_to_the_act_page_and_the_questions(client, letters):
    html = client.get("/mentions-legales/").content.decode()

    assert '<li><a href="/agir/">Agir</a></li>' in html
    assert '<li><a href="/questions/">Questions et réponses</a></li>' in html
