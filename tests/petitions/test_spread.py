import io
import json
import re
from xml.etree import ElementTree

import pytest
from django.core.cache import caches
from django.test import Client
from PIL import Image

from organisations.models import Organisation
from petitions import counter, spread
from petitions.badge import badge_svg
from petitions.models import Petition
from tests.organisations.factories import make_organisation
from tests.petitions.factories import make_signature

SITE = "https://retrait-lsun.example"
WIDGET_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors *"
)
WIDGET_CACHE = "public, max-age=10, stale-if-error=86400, stale-while-revalidate=30"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def counted(petition):
    """The featured petition with three signatures out of 10,000."""
    Petition.objects.filter(pk=petition.pk).update(goal=10_000)
    for _ in range(3):
        make_signature(petition)
    return petition


@pytest.fixture
def organisation(db):
    return make_organisation("SUD éducation", slug="sud-education")


@pytest.fixture
def refused_organisation(db):
    return make_organisation("Refusée", slug="refusee", status=Organisation.Status.REFUSED)


def text_of(html):
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip(" ")


def test_counter_frame_shows_the_count_the_goal_and_a_link_to_sign(client, counted):
    response = client.get("/widget/compteur/")
    html = response.content.decode()

    assert response.status_code == 200
    main = html[html.index("<main") : html.index("</main>")]
    assert text_of(main) == (
        "Appel pour le retrait du LSUN 3 signatures sur un objectif de 10\u00a0000 0 % Signer l'appel (nouvel onglet)"
    )
    assert '<progress class="widget-progress" max="10000" value="3"' in html
    assert f'<a class="widget-sign" href="{SITE}/signer/" target="_blank" rel="noopener">' in html
    assert '<body class="theme-clair">' in html


def test_counter_frame_may_be_framed_by_any_site_and_carries_no_cookie_nor_script(client, counted):
    response = client.get("/widget/compteur/?theme=sombre")

    assert response["Content-Security-Policy"] == WIDGET_CSP
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == WIDGET_CACHE
    assert dict(response.cookies) == {}
    assert "<script" not in response.content.decode()
    assert len(response.content) < 10_000
    assert '<body class="theme-sombre">' in response.content.decode()


def test_every_other_page_still_refuses_to_be_framed(client, counted):
    for path in ("/", "/relayer/", "/signer/", "/widget/compteur.svg", "/oembed?url=" + SITE + "/"):
        response = client.get(path)

        assert response["X-Frame-Options"] == "DENY", path
        assert response["Content-Security-Policy"].endswith("frame-ancestors 'none'"), path


def test_counter_frame_in_english(client, counted):
    response = client.get("/widget/compteur/?lang=en&theme=nimporte")
    html = response.content.decode()

    assert '<html lang="en">' in html
    assert response["Content-Language"] == "en"
    assert "3 signatures out of a goal of 10,000" in text_of(html)
    assert f'href="{SITE}/en/signer/"' in html
    assert '<body class="theme-clair">' in html


def test_counter_frame_through_an_organisation_signs_through_its_link(client, counted, organisation):
    html = client.get("/widget/compteur/?via=" + organisation.slug).content.decode()

    assert f'href="{SITE}/s/{organisation.slug}/"' in html


def test_counter_frame_ignores_an_organisation_not_approved(client, counted, refused_organisation):
    html = client.get("/widget/compteur/?via=" + refused_organisation.slug).content.decode()

    assert f'href="{SITE}/signer/"' in html


def test_badge_is_the_counter_as_svg(client, counted):
    response = client.get("/widget/compteur.svg?lang=en")

    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == WIDGET_CACHE
    assert dict(response.cookies) == {}
    assert response.content.decode() == badge_svg(
        count=3, goal=10_000, label="Appeal for the withdrawal of the LSUN", language="en"
    )
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
    assert root.find("{http://www.w3.org/2000/svg}title").text == (
        "Appeal for the withdrawal of the LSUN: 3 signatures out of a goal of 10,000 (0%)"
    )


def test_widgets_are_served_from_the_page_cache(counted, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 5
    settings.PAGE_CACHE_GENERATION_CHECK = 3600
    client = Client()
    for path in ("/widget/compteur/", "/widget/compteur.svg", "/widget/carte.png"):
        first = client.get(path)

        with django_assert_num_queries(0):
            second = client.get(path)
        conditional = client.get(path, headers={"if-none-match": first["ETag"]})

        assert second.content == first.content
        assert conditional.status_code == 304


def test_oembed_gives_the_counter_frame_for_our_pages(client, counted):
    response = client.get("/oembed", {"url": f"{SITE}/signer/", "format": "json"})

    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == WIDGET_CACHE
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {
        "version": "1.0",
        "type": "rich",
        "title": "Appel pour le retrait du LSUN",
        "provider_name": "Retrait du LSUN",
        "provider_url": f"{SITE}/",
        "cache_age": 600,
        "html": (
            f'<iframe src="{SITE}/widget/compteur/" title="Appel pour le retrait du LSUN" width="360" height="170" '
            'loading="lazy"></iframe>'
        ),
        "width": 360,
        "height": 170,
        "thumbnail_url": f"{SITE}/widget/carte.png",
        "thumbnail_width": 1200,
        "thumbnail_height": 630,
    }


def test_oembed_for_an_english_page_is_english(client, counted):
    data = json.loads(client.get("/oembed", {"url": f"{SITE}/en/"}).content)

    assert data["title"] == "Appeal for the withdrawal of the LSUN"
    assert f'src="{SITE}/widget/compteur/?lang=en"' in data["html"]


@pytest.mark.parametrize(
    "url",
    [
        "https://ailleurs.example/signer/",
        f"{SITE}/signataires/",
        f"{SITE}/nulle-part/",
        "javascript:alert(1)",
        "",
    ],
)
def test_oembed_refuses_other_addresses(client, counted, url):
    response = client.get("/oembed", {"url": url})

    assert response.status_code == 404
    assert "iframe" not in response.content.decode()


def test_oembed_only_speaks_json(client, counted):
    assert client.get("/oembed", {"url": f"{SITE}/", "format": "xml"}).status_code == 501


def test_home_and_signing_pages_announce_oembed(client, counted):
    for path, page_url in (("/", f"{SITE}/"), ("/signer/", f"{SITE}/signer/")):
        html = client.get(path).content.decode()

        expected = spread.oembed_discovery_url(page_url).replace("&", "&amp;")
        assert (
            f'<link rel="alternate" type="application/json+oembed" href="{expected}" '
            'title="Compteur de signatures">' in html
        )


def test_share_card_is_a_small_png_with_the_count(client, counted):
    response = client.get("/widget/carte.png")

    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=600, stale-if-error=86400, stale-while-revalidate=600"
    assert len(response.content) < 150_000
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (1200, 630)


def test_share_card_is_drawn_again_only_after_ten_minutes(client, counted, settings):
    first = client.get("/widget/carte.png").content
    make_signature(counted)

    assert client.get("/widget/carte.png").content == first

    # Ten minutes later, the card and the count read again.
    caches["local"].delete_many([spread.CARD_CACHE_KEY.format(language="fr"), counter.CACHE_KEY])
    assert client.get("/widget/carte.png").content != first


def test_every_public_page_has_open_graph_tags_with_the_card(client, counted):
    for path, locale in (("/", "fr_FR"), ("/appel/", "fr_FR"), ("/relayer/", "fr_FR"), ("/en/share/", "en_GB")):
        html = client.get(path).content.decode()

        card = f"{SITE}/widget/carte.png" + ("?lang=en" if locale == "en_GB" else "")
        assert f'<link rel="canonical" href="{SITE}{path}">' in html
        assert f'<meta property="og:url" content="{SITE}{path}">' in html
        assert f'<meta property="og:locale" content="{locale}">' in html
        assert f'<meta property="og:image" content="{card}">' in html
        assert '<meta property="og:image:width" content="1200">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html
        assert html.count('<meta property="og:image:alt"') == 1


def test_spread_page_gives_snippets_with_full_addresses(client, counted):
    response = client.get("/relayer/")
    html = response.content.decode()

    assert response["Cache-Control"].startswith("public, max-age=60")
    frame = (
        f"&lt;iframe src=&quot;{SITE}/widget/compteur/&quot; title=&quot;Appel pour le retrait du LSUN&quot; "
        "width=&quot;360&quot; height=&quot;170&quot; loading=&quot;lazy&quot;&gt;&lt;/iframe&gt;"
    )
    assert frame in html
    assert f"{SITE}/widget/compteur/?theme=sombre" in html
    badge = (
        f"&lt;a href=&quot;{SITE}/signer/&quot;&gt;&lt;img src=&quot;{SITE}/widget/compteur.svg&quot; "
        "alt=&quot;Appel pour le retrait du LSUN : le nombre de signatures et la progression vers l’objectif. "
        "Signer l’appel&quot;&gt;&lt;/a&gt;"
    )
    assert badge in html
    assert f'<iframe src="{SITE}/widget/compteur/"' in html
    assert f'href="{SITE}/api/petition.json"' in html


def test_spread_page_in_english(client, counted):
    html = client.get("/en/share/").content.decode()

    assert "<h1>Share the campaign</h1>" in html
    assert f"{SITE}/widget/compteur/?lang=en" in html
    assert f"{SITE}/widget/compteur.svg?lang=en" in html


def test_footer_links_to_the_spread_page(client, counted):
    html = client.get("/appel/").content.decode()

    assert '<li><a href="/relayer/">Relayer la campagne</a></li>' in html
