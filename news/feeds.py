"""RSS 2.0 and Atom 1.0 feeds of the published posts, with their full text."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from campaign.http_cache import MACHINE_READ_MAX_AGE, public_page
from campaign.site import absolute_url
from news.models import Post
from organisations.models import Organisation

# Sanitised HTML (nh3) always quotes attributes with double quotes.
SITE_RELATIVE = re.compile(r'(?P<attribute>\b(?:href|src))="/(?!/)')


def absolute_html(html):
    """Feed readers show posts away from the site: site-relative links and images must name it."""
    return SITE_RELATIVE.sub(lambda match: f'{match["attribute"]}="{settings.SITE_URL}/', html)


class RssWithContent(Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class AtomWithContent(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class PostsFeed(Feed):
    """What every feed of posts shares: the full text, absolute links, the cover image first."""

    feed_type: type[SyndicationFeed] = RssWithContent

    def __call__(self, request, *args, **kwargs):
        render = super().__call__
        return public_page(max_age=MACHINE_READ_MAX_AGE, scheduled=True)(render)(request, *args, **kwargs)

    @staticmethod
    def latest(posts):
        return posts.newest_first().select_related("organisation")[: settings.NEWS_FEED_ITEMS]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        # Read as HTML by feed readers: the plain summary is escaped.
        return escape(post.summary)

    def item_link(self, post):
        return absolute_url(post.get_absolute_url())

    def item_guid(self, post):
        return self.item_link(post)

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return max(post.updated_at, post.published_at)

    def item_author_name(self, post):
        return post.organisation.name if post.organisation else str(_("La coalition pour le retrait du LSUN"))

    def item_extra_kwargs(self, post):
        content = absolute_html(post.body_html)
        if post.image:
            image = format_html(
                '<p><img src="{}{}" alt="{}" width="{}" height="{}"></p>\n',
                settings.SITE_URL,
                post.image.url,
                post.image_alt,
                post.image_width,
                post.image_height,
            )
            content = image + content
        return {"content": content}


class LatestPostsFeed(PostsFeed):
    title = _("Actualités de l'appel pour le retrait du LSUN")
    description = _("Les nouvelles de la campagne pour le retrait du Livret Scolaire Unique Numérique.")
    feed_url_name = "news:rss"

    def items(self):
        return self.latest(Post.objects.published())

    def link(self):
        return absolute_url(reverse("news:list"))

    def feed_url(self):
        return absolute_url(reverse(self.feed_url_name))

    def subtitle(self):
        return self.description


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = AtomWithContent
    feed_url_name = "news:atom"


class OrganisationPostsFeed(PostsFeed):
    """One organisation's posts, at /organisations/<slug>/rss/."""

    description = LatestPostsFeed.description

    def get_object(self, request, slug):
        return get_object_or_404(Organisation.objects.approved(), slug=slug)

    def title(self, organisation):
        return _("Actualités de %(name)s — appel pour le retrait du LSUN") % {"name": organisation.name}

    def items(self, organisation):
        return self.latest(Post.objects.published().filter(organisation=organisation))

    def subtitle(self, organisation):
        return self.description

    def link(self, organisation):
        return absolute_url(f"{reverse('news:list')}?organisation={organisation.slug}")

    def feed_url(self, organisation):
        return absolute_url(reverse("news:organisation_rss", kwargs={"slug": organisation.slug}))
