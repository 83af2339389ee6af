"""The explainer: the lead on the home page, the questions and answers, the English translations."""

import re
from html import unescape

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from campaign.initial_content import read_content
from campaign.markdown import heading_anchors
from campaign.models import Page, PageRevision
from tests.campaign.html_text import block_texts, heading
from tests.petitions.factories import featured_petition


def question_headings(filename):
    _, body = read_content(filename)
    return re.findall(r"^## (.+)$", body, re.MULTILINE)


def test_each_question_has_its_own_address_and_a_visible_link_to_it(client, pages):
    html = client.get("/questions/").content.decode()

    questions = question_headings("questions.md")
    anchors = re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', html)
    assert len(questions) == 14
    assert [text.replace("&#x27;", "'") for _, text in anchors] == questions
    assert anchors[0][0] == "quest-ce-que-le-lsun"
    assert len({anchor for anchor, _ in anchors}) == 14
    for anchor, text in anchors:
        assert (
            f'<p class="section-link"><a href="#{anchor}">Lien vers cette question'
            f'<span class="visually-hidden"> : {escape(unescape(text))}</span></a></p>'
        ) in html
    # The list at the top leads to each answer.
    assert re.findall(r'<li><a href="#([^"]+)">', html)[:14] == [anchor for anchor, _ in anchors]


def test_the_same_question_twice_gets_two_addresses_and_never_one_the_page_uses():
    html, sections = heading_anchors(
        "<h2>Contenu</h2>\n<p>a</p>\n<h2>Une <em>question</em> ?</h2>\n<h2>Une question ?</h2>",
        "Lien",
        reserved={"contenu"},
    )

    assert sections == [
        ("contenu-2", "Contenu"),
        ("une-question", "Une question ?"),
        ("une-question-2", "Une question ?"),
    ]
    assert '<h2 id="une-question">Une <em>question</em> ?</h2>' in html


def test_questions_page_is_public_and_in_the_sitemap(client, pages):
    response = client.get("/questions/")
    sitemap = client.get("/sitemap.xml").content.decode()

    assert response["Cache-Control"].startswith("public, max-age=60")
    assert response.cookies == {}
    assert heading(response.content.decode()) == "Questions et réponses"
    assert "<loc>http://127.0.0.1:8000/questions/</loc>" in sitemap
    assert "<loc>http://127.0.0.1:8000/agir/</loc>" in sitemap


def test_english_questions_are_a_translation_pointing_to_the_french_text(client, pages):
    html = client.get("/en/questions/").content.decode()

    assert heading(html) == "Questions and answers"
    assert '<article class="page questions" lang="en" aria-labelledby="page-title">' in html
    assert block_texts(html, "translation-note") == [
        "This is a translation. Only the original French text is authoritative. Read the original French text"
    ]
    assert '<a href="/questions/" hreflang="fr">Read the original French text</a>' in html
    assert len(re.findall(r'<h2 id="[^"]+">', html)) == len(question_headings("questions.en.md")) == 14


def test_french_pages_carry_no_translation_note(client, pages):
    for path in ("/", "/appel/", "/questions/"):
        assert 'class="translation-note"' not in client.get(path).content.decode()


def test_without_an_english_text_the_french_one_is_shown_as_french(client, pages):
    PageRevision.objects.filter(page__slug=Page.QUESTIONS, language="en").delete()

    html = client.get("/en/questions/").content.decode()

    assert '<article class="page questions" lang="fr" aria-labelledby="page-title">' in html
    assert 'class="translation-note"' not in html


# The figures the answers repeat, in words, as the settings' defaults set them.
FRENCH_NUMBERS = {3: "trois", 6: "six", 7: "7"}
ENGLISH_NUMBERS = {3: "three", 6: "six", 7: "7"}


def test_the_answers_state_what_the_settings_do():
    """Changing one of these settings means changing the texts too (campaign/content/README.md)."""
    _, french = read_content("questions.md")
    _, english = read_content("questions.en.md")
    _, privacy = read_content("confidentialite.md")

    assert f"effacée au bout de {FRENCH_NUMBERS[settings.SIGNATURE_CONFIRMATION_DAYS]} jours" in french
    assert f"{FRENCH_NUMBERS[settings.SIGNATURE_RETENTION_MONTHS]} mois après la clôture de la pétition" in french
    assert f"{FRENCH_NUMBERS[settings.SIGNATURE_REMINDER_MAX]} fois au plus" in french
    assert settings.SIGNATURE_REMINDER_INTERVAL == 15 * 60 and "pas plus d'une fois par quart d'heure" in french
    assert f"erased after {ENGLISH_NUMBERS[settings.SIGNATURE_CONFIRMATION_DAYS]} days" in english
    assert f"{ENGLISH_NUMBERS[settings.SIGNATURE_RETENTION_MONTHS]} months after the petition closes" in english
    assert f"{ENGLISH_NUMBERS[settings.SIGNATURE_REMINDER_MAX]} times at most" in english
    assert "no more than once every fifteen minutes" in english
    assert f"{FRENCH_NUMBERS[settings.SIGNATURE_RETENTION_MONTHS]} mois après la clôture de la pétition" in privacy


def test_the_home_page_opens_with_the_lead_then_the_count_then_the_appeal(client, pages):
    featured_petition()

    html = client.get("/").content.decode()

    lead, count, appeal = (
        html.index(marker) for marker in ('class="home-lead"', 'class="petition-call"', 'class="appeal"')
    )
    assert lead < count < appeal
    _, body = read_content("chapo.md")
    assert block_texts(html, "home-lead-text") == [body.strip()]
    assert block_texts(html, "home-lead-links") == ["Vos questions, nos réponses", "Ce que vous pouvez faire"]
    assert '<a href="/questions/">' in html and '<a href="/agir/">' in html


def test_the_lead_costs_the_home_page_no_query(client, pages):
    featured_petition()
    client.get("/")  # warm the count's cache
    with_lead = len(_queries(client, "/"))
    PageRevision.objects.filter(page__slug=Page.LEAD).delete()
    caches["local"].clear()
    client.get("/")

    without_lead = len(_queries(client, "/"))

    assert with_lead == without_lead


def _queries(client, path):
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return context.captured_queries


def test_the_english_home_page_shows_the_translations_and_says_the_french_text_is_signed(client, pages):
    html = client.get("/en/").content.decode()

    assert '<section class="home-lead" lang="en" aria-labelledby="lead-title">' in html
    assert '<article class="appeal" lang="en" aria-labelledby="appeal-title">' in html
    assert block_texts(html, "appeal")[2] == (
        "This is a translation. Only the original French text is authoritative, and it is the one you sign. "
        "Read the original French text"
    )
    assert '<a href="/appel/" hreflang="fr">Read the original French text</a>' in html
    assert '<a href="/" hreflang="fr">Read the original French text</a>' in html
