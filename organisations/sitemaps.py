"""The approved organisations' pages in /sitemap.xml."""

from campaign.sitemaps import SiteSitemap
from organisations.models import Organisation


class OrganisationSitemap(SiteSitemap):
    def items(self):
        return Organisation.objects.approved().order_by("name")

    def location(self, organisation):
        return organisation.get_absolute_url()
