import re

from django.utils import timezone

from news.models import Post
from tests.news.factories import make_post
from tests.organisations.factories import make_organisation


def locations(xml):
    return re.findall(r"<loc>([^<]+)</loc>", xml)


def test_sitemap_lists_pages_and_public_posts(client, pages, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    make_post("Ancienne", minutes_ago=100)
    make_post("Récente", minutes_ago=10)
    make_post("Brouillon", status=Post.Status.DRAFT)
    make_post("Programmée", minutes_ago=-10)
    make_organisation("ICEM", slug="icem")
    make_organisation("En attente", slug="en-attente", status="pending")

    response = client.get("/sitemap.xml")

    assert response["Content-Type"] == "application/xml"
    site = "https://retrait-lsun.example"
    assert locations(response.content.decode()) == [
        f"{site}/",
        f"{site}/appel/",
        f"{site}/questions/",
        f"{site}/agir/",
        f"{site}/actualites/",
        f"{site}/confidentialite/",
        f"{site}/mentions-legales/",
        f"{site}/signer/",
        f"{site}/chiffres/",
        f"{site}/donnees/",
        f"{site}/signer/papier/",
        f"{site}/relayer/",
        f"{site}/organisations/",
        f"{site}/actualites/recente/",
        f"{site}/actualites/ancienne/",
        f"{site}/organisations/icem/",
    ]


def test_post_entries_carry_their_last_change(client, pages):
    post = make_post("Datée")

    xml = client.get("/sitemap.xml").content.decode()

    # The date is the site's (Paris), not UTC's: they differ just after midnight.
    day = timezone.localtime(post.updated_at).date().isoformat()
    assert f"<loc>http://127.0.0.1:8000{post.get_absolute_url()}</loc><lastmod>{day}</lastmod>" in xml


def test_robots_txt_points_to_the_sitemap(client, settings):
    settings.SITE_URL = "https://retrait-lsun.example"

    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /compte/\n"
        "Disallow: /espace/\n"
        "Disallow: /recherche/\n"
        "Disallow: /en/recherche/\n"
        "Disallow: /actualites/desabonnement/\n"
        "\n"
        "Sitemap: https://retrait-lsun.example/sitemap.xml\n"
    )
    assert dict(response.cookies) == {}
