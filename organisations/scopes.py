"""Where an organisation acts: the whole country, or one département (``campaign.departements``).

The codes also feed a check constraint on ``Organisation.scope``, so a change
needs a migration.
"""

from django.utils.translation import gettext_lazy as _

from campaign.departements import DEPARTEMENTS, departement_label

NATIONAL = "national"

CODES = [NATIONAL, *DEPARTEMENTS]


def scope_choices():
    return [(NATIONAL, _("National")), *((code, f"{code} — {name}") for code, name in DEPARTEMENTS.items())]


def scope_label(code):
    """ "National", or "Isère (38)"."""
    if code == NATIONAL:
        return _("National")
    return departement_label(code)
