"""Template tags of the admin's own pages: ``{% load campaign_admin %}``."""

from django import template

from campaign import pending

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_work(context):
    return pending.pending_work(context["request"].user)
