"""The organisations' invariants, enforced by PostgreSQL whatever writes to it."""

import pytest
from django import forms
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaign import slugs
from organisations import services
from organisations.forms import JoinForm
from organisations.models import Organisation
from tests.organisations.factories import make_organisation

REQUEST = {
    "name": "Collectif",
    "short_name": "",
    "kind": "collectif",
    "scope": "national",
    "website": "",
    "description": "",
    "contact_name": "Zoé",
    "contact_email": "zoe@example.org",
    "logo": None,
    "message": "",
}

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


@given(name=st.text(max_size=30))
@example(name="_")
@example(name="_\u0301")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_what_the_join_form_calls_a_name_the_database_keys_to_something(db, name):
    """The form and petitions_normalised_name agree: a name the form accepts never has an empty key."""
    field = JoinForm().fields["name"]
    try:
        cleaned = field.clean(name)
    except forms.ValidationError:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT petitions_normalised_name(%s)", [cleaned])
        assert cursor.fetchone()[0] != ""


def test_a_slug_taken_meanwhile_gets_the_next_number(monkeypatch):
    # Another request took the slug between our check and our insert: the check saw it free.
    make_organisation("Un autre collectif", slug="collectif")
    seen_free = iter(["collectif"])
    check = slugs.unique_slug
    monkeypatch.setattr(slugs, "unique_slug", lambda *args, **kwargs: next(seen_free, None) or check(*args, **kwargs))

    organisation = services.submit_request(**REQUEST)

    assert organisation.slug == "collectif-2"
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == ["collectif", "collectif-2"]


def test_only_the_slug_constraint_counts_as_a_slug_clash():
    with pytest.raises(IntegrityError) as raised:
        services.submit_request(**{**REQUEST, "name": "_"})

    assert raised.value.__cause__.diag.constraint_name == "petitions_organisation_name_has_letters"
    assert Organisation.objects.count() == 0


def test_the_slug_constraint_has_the_name_the_service_looks_for():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'petitions_organisation'::regclass AND contype = 'u'"
        )
        assert services.SLUG_CONSTRAINT in {row[0] for row in cursor.fetchall()}
