"""Posts shown inside other pages: the home page and each organisation's page."""

from django import template
from django.conf import settings

from news.models import Post

register = template.Library()


def _latest(posts, count):
    return list(posts.newest_first().select_related("organisation")[:count])


@register.inclusion_tag("news/_latest.html")
def latest_news(count=3):
    """The home page's three latest posts (one query)."""
    return {"posts": _latest(Post.objects.published(), count)}


@register.inclusion_tag("news/_organisation_news.html")
def organisation_news(organisation, count=None):
    """An organisation's latest posts, with the link to all of them and to its feed."""
    count = count or settings.NEWS_PER_PAGE
    # One more than shown tells whether "all its news" is worth a link.
    posts = _latest(Post.objects.published().filter(organisation=organisation), count + 1)
    return {"posts": posts[:count], "has_more": len(posts) > count, "organisation": organisation}
