from django import template
from django.utils.formats import number_format

from petitions import counter

register = template.Library()


@register.inclusion_tag("petitions/_call.html")
def petition_call():
    """The home page's call to sign: the count, the progress bar and a link to /signer/ (no form, no cookie)."""
    return {"petition": counter.featured()}


@register.filter
def grouped(value):
    """12345 as "12 345" in French, "12,345" in English."""
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
