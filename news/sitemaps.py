"""The published posts in /sitemap.xml."""

from campaign.sitemaps import SiteSitemap
from news.models import Post


class PostSitemap(SiteSitemap):
    def items(self):
        return Post.objects.published().newest_first()

    def lastmod(self, post):
        return max(post.updated_at, post.published_at)
