"""/sitemap.xml: what every section shares, and the section of fixed pages.

Each app lists its own addresses (``news.sitemaps``, ``organisations.sitemaps``);
the project's URLconf puts the sections together.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from campaign.models import Page, PageRevision


class SiteSitemap(Sitemap):
    """Addresses on SITE_URL, whatever host the request came through."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteSitemap):
    """Pages with a fixed address, given by URL name; the home page and the appeal carry the appeal's date."""

    def __init__(self, names):
        self.names = names

    def items(self):
        return [reverse(name) for name in self.names]

    def location(self, path):
        return path

    def lastmod(self, path):
        if path == reverse("appeal") or path == reverse("home"):
            revision = PageRevision.objects.current(Page.APPEAL)
            return revision.created_at if revision else None
        return None
