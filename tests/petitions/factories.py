"""Plain factories for the petition's tests."""

import itertools
import time

from django.utils import timezone

from campaign.antispam import form_timestamp
from campaign.models import Page
from petitions.addresses import normalise_email
from petitions.models import Petition, Signature

_numbers = itertools.count(1)


def make_petition(**fields):
    appeal = Page.objects.get(slug=Page.APPEAL)
    number = next(_numbers)
    defaults = {"title": f"Pétition {number}", "slug": f"petition-{number}", "appeal": appeal, "goal": 1000}
    return Petition.objects.create(**(defaults | fields))


def featured_petition():
    """The featured petition, created the first time (needs the `pages` fixture: it signs the appeal)."""
    return Petition.objects.featured().first() or make_petition(
        title="Retrait du LSUN", slug="retrait-lsun", featured=True
    )


def make_signature(petition=None, *, confirmed=True, **fields):
    """A signature of ``petition`` (by default the featured one), confirmed unless ``confirmed=False``."""
    petition = petition or featured_petition()
    number = next(_numbers)
    now = timezone.now()
    defaults = {
        "first_name": "Zoé",
        "last_name": "L'Hôte-Müller",
        "email": f"signer{number}@example.org",
        "postcode": "38000",
        "departement": "38",
        "role": Signature.Role.PARENT,
        "appeal_revision": petition.appeal.current_revision(),
        "created_at": now,
        "confirmed_at": now if confirmed else None,
    }
    values = defaults | fields
    if values["confirmed_at"] and "created_at" not in fields:
        values["created_at"] = min(now, values["confirmed_at"])
    values.setdefault("email_normalised", normalise_email(values["email"]))
    return Signature.objects.create(petition=petition, **values)


def form_data(**overrides):
    """A valid submission of the signing form, shown 10 seconds ago."""
    data = {
        "first_name": "Zoé",
        "last_name": "L'Hôte-Müller",
        "email": "zoe@example.org",
        "postcode": "38000",
        "role": "parent",
        "shown_at": form_timestamp(time.time() - 10),
        "website_url": "",
    }
    return {key: value for key, value in (data | overrides).items() if value is not None}
