"""The organisations' invariants, enforced by PostgreSQL whatever writes to it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from petitions.models import Organisation
from tests.petitions.organisations.factories import make_organisation

pytestmark = pytest.mark.django_db


def violates(constraint, action):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        action()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("SUD éducation", "sudeducation"),
        ("S.U.D.  Éducation", "sudeducation"),
        ("Collectif « Œil ouvert » — Isère", "collectifoeilouvertisere"),
        ("L’École émancipée", "lecoleemancipee"),
        ("Союз учителей", "союзучителей"),
    ],
)
def test_the_name_key_ignores_case_accents_spaces_and_punctuation(name, key):
    organisation = make_organisation(name)

    organisation.refresh_from_db()
    assert organisation.name_key == key


def test_two_organisations_holding_the_same_name_are_refused_by_the_database():
    make_organisation("SUD éducation")

    violates("petitions_organisation_unique_name", lambda: make_organisation("sud  EDUCATION"))
    violates(
        "petitions_organisation_unique_name",
        lambda: make_organisation("Sud-Éducation", status="pending", contact_confirmed_at=timezone.now()),
    )


def test_unconfirmed_refused_and_withdrawn_ones_do_not_hold_the_name():
    make_organisation("SUD éducation")

    make_organisation("sud education", status=Organisation.Status.PENDING)
    make_organisation("sud education", status=Organisation.Status.REFUSED)
    make_organisation("sud education", status=Organisation.Status.WITHDRAWN)

    assert Organisation.objects.filter(name_key="sudeducation").count() == 4


def test_database_refuses_other_invariants():
    organisation = make_organisation("ICEM")
    rows = Organisation.objects.filter(pk=organisation.pk)

    violates("petitions_organisation_website_http", lambda: rows.update(website="javascript:alert(1)"))
    violates("petitions_organisation_scope_known", lambda: rows.update(scope="99"))
    violates("petitions_organisation_name_has_letters", lambda: rows.update(name="« — »"))
    violates("petitions_organisation_approved_has_date", lambda: rows.update(approved_at=None))
    violates("petitions_organisation_refused_has_date", lambda: rows.update(status="refused"))
    violates("petitions_organisation_logo_has_size", lambda: rows.update(logo="logos/x.png"))


def test_public_helpers():
    organisation = make_organisation("Institut coopératif de l'école moderne", short_name="ICEM", scope="2A")

    assert (organisation.display_name, organisation.scope_label, organisation.logo_alt_text) == (
        "ICEM",
        "Corse-du-Sud (2A)",
        "Logo de Institut coopératif de l'école moderne",
    )
    assert organisation.get_absolute_url() == f"/organisations/{organisation.slug}/"
