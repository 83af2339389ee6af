"""Plain factories for organisations and their editors."""

import io
import itertools

from django.utils import timezone
from PIL import Image

from organisations.models import Membership, Organisation
from tests.campaign.factories import make_user

_numbers = itertools.count(1)


def make_organisation(name=None, *, status=Organisation.Status.APPROVED, **fields):
    number = next(_numbers)
    defaults = {
        "slug": f"organisation-{number}",
        "kind": Organisation.Kind.UNION,
        "contact_name": "Camille Martin",
        "contact_email": f"contact{number}@example.org",
    }
    if status == Organisation.Status.APPROVED:
        defaults["approved_at"] = timezone.now()
    if status == Organisation.Status.REFUSED:
        defaults["refused_at"] = timezone.now()
    return Organisation.objects.create(
        name=name or f"Organisation numéro {number}", status=status, **{**defaults, **fields}
    )


def make_editor(organisation, email=None, **fields):
    """An account speaking for ``organisation`` (``make_user``'s options: ``second_factor=True``…)."""
    user = make_user(email, **fields)
    Membership.objects.create(user=user, organisation=organisation)
    return user


def image_bytes(fmt="PNG", size=(800, 600), color=(30, 90, 160), exif=False):
    image = Image.new("RGB", size, color)
    output = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Camera Maker"
        data[0x8825] = {2: (48.0, 51.0, 24.0)}
        options["exif"] = data.tobytes()
    image.save(output, format=fmt, **options)
    return output.getvalue()


def make_batch(organisation=None, counts=None, *, user=None, accepted=False, **fields):
    """A pending paper batch entered through the service (``accepted=True``: accepted by a staff account)."""
    from datetime import date

    from organisations import paper

    organisation = organisation or make_organisation()
    user = user or make_user()
    batch = paper.enter_batch(
        organisation,
        collected_on=fields.pop("collected_on", date(2026, 11, 20)),
        counts=counts or {"38": 12, "etranger": 3},
        note=fields.pop("note", ""),
        user=user,
    )
    if accepted:
        batch = paper.accept(batch, user=make_user(staff=True))
    return batch
