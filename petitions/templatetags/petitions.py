from django import template
from django.utils.formats import number_format

from campaign.site import absolute_url
from petitions import counter, spread

register = template.Library()


@register.inclusion_tag("petitions/_call.html")
def petition_call():
    """The home page's call to sign: the count, the progress bar and a link to /signer/ (no form, no cookie)."""
    return {"petition": counter.featured()}


@register.filter
def grouped(value):
    """12345 as "12 345" in French, "12,345" in English."""
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.simple_tag(takes_context=True)
def oembed_url(context):
    """The oEmbed address of the page being rendered, for the discovery <link>."""
    return spread.oembed_discovery_url(absolute_url(context["request"].path))


@register.simple_tag
def share_card_url():
    """The share card's full address, in the current language."""
    return spread.card_url()
