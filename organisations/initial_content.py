"""The organisations the appeal names, loaded by `manage.py load_initial_content`.

The loader is idempotent and returns a list of what it created.
"""

from django.db import transaction
from django.utils import timezone

from campaign.initial_content import load_page_files
from organisations import paper
from organisations.models import Organisation

# The eleven organisations the appeal names, under the names it uses. Only
# what the names themselves make plain is filled in: the kind of the three
# whose names say "union" (SNUipp: Syndicat national unitaire…; SUD and CNT
# education unions) and of ICEM and FIMEM (the Freinet pedagogical movements
# the campaign is built with), and the département carried by "PAS 38" and
# "SNUipp 82". Full names, websites and descriptions are left to staff.
FOUNDING_ORGANISATIONS = [
    ("CNT éducation", "cnt-education", "syndicat", "national"),
    ("SUD éducation", "sud-education", "syndicat", "national"),
    ("PAS 38", "pas-38", "autre", "38"),
    ("SNUipp 82", "snuipp-82", "syndicat", "82"),
    ("AFJK", "afjk", "autre", "national"),
    ("ICEM", "icem", "mouvement", "national"),
    ("FIMEM", "fimem", "mouvement", "national"),
    ("FFPU", "ffpu", "autre", "national"),
    ("LESN", "lesn", "autre", "national"),
    ("LAP", "lap", "autre", "national"),
    ("CNRBE", "cnrbe", "autre", "national"),
]


@transaction.atomic
def load_organisations():
    """The eleven organisations named in the appeal, approved; returns the slugs created.

    An organisation that exists already (by slug) is left as staff edited it.
    """
    now = timezone.now()
    created = []
    for name, slug, kind, scope in FOUNDING_ORGANISATIONS:
        _organisation, is_new = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "scope": scope,
                "founding": True,
                "status": Organisation.Status.APPROVED,
                "approved_at": now,
                "created_at": now,
            },
        )
        if is_new:
            created.append(slug)
    return created


def load_paper_pages():
    """The texts printed on the paper signature sheet: its summary of the appeal and its privacy notice."""
    return load_page_files(
        [
            (paper.SUMMARY_PAGE, "Feuille papier : résumé de l'appel", "feuille-resume.md"),
            (paper.PRIVACY_PAGE, "Feuille papier : confidentialité", "feuille-confidentialite.md"),
        ]
    )
