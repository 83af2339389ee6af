"""Template tags of the organisations, loaded with ``{% load organisations %}``.

Registered in ``settings.TEMPLATES`` (``libraries``) so that the code stays in
this package.
"""

from django import template

from organisations.models import Organisation

register = template.Library()


@register.inclusion_tag("organisations/_home.html")
def organisations_summary():
    """The home page's paragraph: how many organisations co-sign, and which."""
    organisations = list(Organisation.objects.approved().order_by("name").only("name", "short_name", "slug"))
    return {"organisations": organisations, "count": len(organisations)}
