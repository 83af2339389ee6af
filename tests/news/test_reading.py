import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from news.models import Post
from news.services import save_with_unique_slug
from tests.campaign.html_text import block_texts, heading
from tests.news.factories import make_post
from tests.organisations.factories import make_editor, make_organisation


def titles(html):
    """The titles of the post cards, in page order."""
    return [unescape(title) for title in re.findall(r'class="post-card-title"><a href="[^"]+">([^<]*)</a>', html)]


def test_list_shows_published_posts_newest_first_with_date_organisation_and_summary(client, pages):
    sud = make_organisation("SUD éducation")
    with time_machine.travel(datetime(2030, 6, 2, 10, 0, tzinfo=UTC), tick=False):
        make_post("Plus ancienne", minutes_ago=24 * 60, organisation=sud, summary="Le premier résumé.")
        make_post("Plus récente", minutes_ago=10, summary="Le dernier résumé.")
        make_post("Brouillon", status=Post.Status.DRAFT)
        make_post("Programmée", minutes_ago=-60)

        html = client.get("/actualites/").content.decode()

    assert block_texts(html, "post-list") == [
        "Plus récente",
        "2 juin 2030 · La coalition",
        "Le dernier résumé.",
        "Plus ancienne",
        "1 juin 2030 · SUD éducation",
        "Le premier résumé.",
    ]
    assert '<time datetime="2030-06-02T11:50:00+02:00">2 juin 2030</time>' in html


def test_list_has_ten_posts_per_page(client, pages):
    for number in range(12):
        make_post(f"Actualité {number:02d}", minutes_ago=100 - number)

    first = client.get("/actualites/").content.decode()
    second = client.get("/actualites/?page=2").content.decode()

    assert titles(first) == [f"Actualité {number:02d}" for number in range(11, 1, -1)]
    assert titles(second) == ["Actualité 01", "Actualité 00"]
    assert block_texts(second, "pagination") == ["Page précédente", "Page 2 sur 2"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1e9", "%00"])
def test_absurd_page_numbers_show_a_page(client, pages, page):
    make_post("Seule actualité")

    response = client.get(f"/actualites/?page={page}")

    assert response.status_code == 200
    assert titles(response.content.decode()) == ["Seule actualité"]


def test_list_filtered_by_organisation(client, pages):
    icem = make_organisation("ICEM", slug="icem")
    make_post("De l'ICEM", organisation=icem)
    make_post("De la coalition")

    html = client.get("/actualites/?organisation=icem").content.decode()

    assert titles(html) == ["De l'ICEM"]
    assert "<h1>Actualités de ICEM</h1>" in html
    unknown = client.get("/actualites/?organisation=inconnue")
    assert (unknown.status_code, heading(unknown.content.decode())) == (404, "Page introuvable")


@pytest.mark.parametrize(
    "query",
    [
        "organisation=%00",
        "organisation=icem%00",
        "organisation=%ED%A0%80",  # a lone surrogate, as invalid UTF-8
        "organisation=%FF%FE",
        "organisation=ic%C3%A9m",
        "organisation=../icem",
        "organisation=" + "a" * 81,
        "organisation=" + "a" * 100_000,
        "page=99999999999999999999999&organisation=%00",
    ],
)
def test_a_malformed_organisation_is_a_bad_request_not_an_outage(client, pages, query):
    make_organisation("ICEM", slug="icem")

    response = client.get(f"/actualites/?{query}")

    assert response.status_code == 400
    assert "momentanément indisponible" not in response.content.decode()


def test_an_absurd_page_with_an_organisation_shows_its_last_page(client, pages):
    icem = make_organisation("ICEM", slug="icem")
    make_post("De l'ICEM", organisation=icem)

    response = client.get("/actualites/?organisation=icem&page=" + "9" * 5000)

    assert titles(response.content.decode()) == ["De l'ICEM"]


def test_detail_page_with_metadata(client, pages, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    cnt = make_organisation("CNT éducation")
    post = make_post(
        "Rassemblement le 5 juin", organisation=cnt, summary="Devant le rectorat, à 14 h.", body="## Où ?\n\nÀ Paris."
    )

    html = client.get("/actualites/rassemblement-le-5-juin/").content.decode()

    assert post.slug == "rassemblement-le-5-juin"
    assert '<link rel="canonical" href="https://retrait-lsun.example/actualites/rassemblement-le-5-juin/">' in html
    assert '<meta property="og:title" content="Rassemblement le 5 juin">' in html
    assert '<meta property="og:description" content="Devant le rectorat, à 14 h.">' in html
    assert '<meta property="og:url" content="https://retrait-lsun.example/actualites/rassemblement-le-5-juin/">' in html
    # Without a photo of its own, a post shares as the campaign's card.
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image" content="https://retrait-lsun.example/widget/carte.png">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="description" content="Devant le rectorat, à 14 h.">' in html
    assert '<h1 id="post-title">Rassemblement le 5 juin</h1>' in html
    assert block_texts(html, "prose") == ["Où ?", "À Paris."]
    assert block_texts(html, "post")[1].endswith("· CNT éducation")


def test_detail_shows_the_update_date_when_changed_after_publication(client, pages):
    post = make_post("Corrigée", minutes_ago=3 * 24 * 60)
    post.updated_at = timezone.now()
    post.save()

    html = client.get(post.get_absolute_url()).content.decode()

    updated = timezone.localtime(post.updated_at).replace(microsecond=0).isoformat()
    assert f'mis à jour le <time datetime="{updated}">' in html


def test_detail_with_image_has_open_graph_image(client, pages, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    post = make_post("Avec image", image="posts/photo.jpg", image_alt="Des parents devant l'école")
    Post.objects.filter(pk=post.pk).update(image_width=1600, image_height=900)

    html = client.get(post.get_absolute_url()).content.decode()

    assert '<meta property="og:image" content="https://retrait-lsun.example/media/posts/photo.jpg">' in html
    assert '<meta property="og:image:alt" content="Des parents devant l&#x27;école">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<img src="/media/posts/photo.jpg" alt="Des parents devant l&#x27;école" width="1600" height="900">' in html


@pytest.mark.parametrize("status, minutes_ago", [(Post.Status.DRAFT, 60), (Post.Status.PUBLISHED, -60)])
def test_anonymous_visitors_cannot_see_drafts_or_scheduled_posts(client, pages, status, minutes_ago):
    post = make_post("Pas encore", status=status, minutes_ago=minutes_ago)

    assert client.get(post.get_absolute_url()).status_code == 404
    assert "Pas encore" not in client.get("/actualites/").content.decode()
    assert "Pas encore" not in client.get("/").content.decode()


def test_titles_are_escaped_everywhere(client, pages):
    make_post("<script>alert(1)</script> & co", summary="<b>gras</b>")

    listing = client.get("/actualites/").content.decode()
    home = client.get("/").content.decode()

    for html in (listing, home):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
        assert "&lt;b&gt;gras&lt;/b&gt;" in html


def test_home_page_shows_the_three_latest_posts(client, pages):
    for number in range(5):
        make_post(f"Actualité {number}", minutes_ago=100 - number)

    html = client.get("/").content.decode()

    assert titles(html) == ["Actualité 4", "Actualité 3", "Actualité 2"]
    assert '<h2 id="home-news-title">Dernières actualités</h2>' in html
    assert '<a href="/actualites/">Toutes les actualités</a>' in html


def test_home_page_without_posts_has_no_news_section(client, pages):
    assert "home-news" not in client.get("/").content.decode()


def render_organisation_news(organisation):
    template = Template('{% include "news/_organisation_posts.html" %}')
    request = RequestFactory().get(f"/organisations/{organisation.slug}/")
    return template.render(Context({"organisation": organisation, "request": request}))


def test_organisation_page_partial_lists_its_posts(db, settings):
    settings.NEWS_PER_PAGE = 2
    icem = make_organisation("ICEM", slug="icem")
    other = make_organisation("FIMEM", slug="fimem")
    for number in range(3):
        make_post(f"ICEM {number}", organisation=icem, minutes_ago=100 - number)
    make_post("FIMEM seule", organisation=other)
    make_post("Brouillon ICEM", organisation=icem, status=Post.Status.DRAFT)

    html = render_organisation_news(icem)

    assert titles(html) == ["ICEM 2", "ICEM 1"]
    assert '<a href="/actualites/?organisation=icem">Toutes les actualités de ICEM</a>' in html
    assert '<a href="/organisations/icem/rss/" type="application/rss+xml">Flux RSS de ICEM</a>' in html


def test_organisation_page_partial_without_posts(db):
    html = render_organisation_news(make_organisation("LAP", slug="lap"))

    assert block_texts(html, "organisation-news") == [
        "Ses actualités",
        "LAP n'a pas encore publié d'actualité.",
        "Flux RSS de LAP",
    ]


def count_queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_number_of_posts(client, pages, django_assert_num_queries):
    organisation = make_organisation()
    make_post("Une", organisation=organisation)
    with django_assert_num_queries(3):  # the count, the page, the next scheduled post
        client.get("/actualites/")
    for number in range(29):
        make_post(f"Autre {number}", organisation=organisation if number % 2 else None)

    with django_assert_num_queries(3):
        html = client.get("/actualites/").content.decode()

    assert len(titles(html)) == 10


def test_home_queries_do_not_grow_with_the_number_of_posts(client, pages, django_assert_num_queries):
    organisation = make_organisation()
    make_post("Une", organisation=organisation)
    with_one = count_queries(client, "/")
    for number in range(29):
        make_post(f"Autre {number}", organisation=organisation if number % 2 else None)
    caches["local"].clear()  # the petition's count was cached by the first page: start cold again

    with django_assert_num_queries(with_one):
        html = client.get("/").content.decode()

    assert len(titles(html)) == 3


@pytest.mark.parametrize(
    "path", ["/actualites/", "/actualites/rss/", "/actualites/atom/", "/recherche/?q=lsun", "/sitemap.xml"]
)
def test_readers_get_no_cookie(client, pages, path):
    make_post("Publique")

    response = client.get(path)

    assert response.status_code == 200
    assert dict(response.cookies) == {}


def test_post_page_sets_no_cookie(client, pages):
    post = make_post("Publique")

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert dict(response.cookies) == {}


def test_slug_clash_gets_a_new_slug_and_reserved_words_are_avoided(db):
    first = make_post("Rassemblement")
    second = make_post("Rassemblement")
    feed_like = make_post("RSS")
    untitled = save_with_unique_slug(Post(body="brouillon sans titre"))

    assert (first.slug, second.slug, feed_like.slug, untitled.slug) == (
        "rassemblement",
        "rassemblement-2",
        "rss-2",
        "brouillon",
    )


def test_public_pages_do_not_vary_on_cookies(client, pages):
    post = make_post("Publique")

    for path in ("/", "/actualites/", post.get_absolute_url(), "/recherche/?q=publique"):
        assert "Cookie" not in client.get(path).get("Vary", ""), path


def test_editors_reach_the_writing_pages_from_their_space(client, pages):
    client.force_login(make_editor(make_organisation(), second_factor=True))

    public = client.get("/actualites/").content.decode()
    space = client.get("/espace/").content.decode()

    # Public pages are the same for everyone: a footer link, no personal menu.
    assert '<li><a href="/espace/">Espace des organisations</a></li>' in public
    assert '<p><a href="/espace/actualites/">Écrire et gérer les actualités</a></p>' in space
