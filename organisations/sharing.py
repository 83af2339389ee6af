"""Each approved organisation's own link to the signing page.

``/s/<slug>/`` (printed on leaflets, in QR codes, in the snippets of its
space) leads to ``/signer/?via=<slug>``; a signature made there records the
organisation, and once confirmed counts among those its link brought.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from campaign.site import absolute_url
from organisations.models import Organisation

# Longer than any slug: not worth a query.
SLUG_MAX_LENGTH = Organisation._meta.get_field("slug").max_length or 0


def share_url(organisation: Organisation) -> str:
    """The organisation's sharing link, in full: ``https://…/s/<slug>/`` (French, the language of the appeal)."""
    with translation.override(settings.LANGUAGE_CODE):
        return absolute_url(reverse("petitions:short_link", args=[organisation.slug]))


def approved_organisation(slug: str) -> Organisation | None:
    """The approved organisation with this slug, or None: unknown, pending and refused are all the same."""
    if not slug or len(slug) > SLUG_MAX_LENGTH:
        return None
    return Organisation.objects.approved().filter(slug=slug).only("pk", "slug", "name").first()
