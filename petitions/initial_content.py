"""Initial data of the petition, loaded by `manage.py load_initial_content`.

Each loader is idempotent and returns a list of what it created.
"""

from django.db import transaction

from campaign.models import Page
from petitions.models import Petition

FEATURED_SLUG = "retrait-lsun"


@transaction.atomic
def load_petition():
    """The featured petition, signing the appeal."""
    if Petition.objects.exists():
        return []
    appeal = Page.objects.get(slug=Page.APPEAL)
    Petition.objects.create(
        title="Appel pour le retrait du LSUN",
        slug=FEATURED_SLUG,
        appeal=appeal,
        goal=10_000,
        featured=True,
    )
    return [FEATURED_SLUG]
