"""/sitemap.xml: the home page, the appeal and other texts, the news, the organisations."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from campaign.models import Page, PageRevision, Post
from organisations.models import Organisation


class SiteSitemap(Sitemap):
    """Addresses on SITE_URL, whatever host the request came through."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class StaticSitemap(SiteSitemap):
    # Not the list of signers: it is kept out of search engines (noindex).
    names = [
        "home",
        "appeal",
        "news:list",
        "privacy",
        "legal",
        "petitions:sign",
        "organisations:list",
    ]

    def items(self):
        return [reverse(name) for name in self.names]

    def location(self, path):
        return path

    def lastmod(self, path):
        if path == reverse("appeal") or path == reverse("home"):
            revision = PageRevision.objects.current(Page.APPEAL)
            return revision.created_at if revision else None
        return None


class PostSitemap(SiteSitemap):
    def items(self):
        return Post.objects.published().newest_first()

    def lastmod(self, post):
        return max(post.updated_at, post.published_at)


class OrganisationSitemap(SiteSitemap):
    def items(self):
        return Organisation.objects.approved().order_by("name")

    def location(self, organisation):
        return organisation.get_absolute_url()


SITEMAPS = {"pages": StaticSitemap, "posts": PostSitemap, "organisations": OrganisationSitemap}
