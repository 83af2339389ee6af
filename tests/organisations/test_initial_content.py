import pytest
from django.core.management import call_command

from organisations.initial_content import load_organisations
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

APPEAL_NAMES = [
    "CNT éducation",
    "SUD éducation",
    "PAS 38",
    "SNUipp 82",
    "AFJK",
    "ICEM",
    "FIMEM",
    "FFPU",
    "LESN",
    "LAP",
    "CNRBE",
]


def test_the_eleven_organisations_of_the_appeal_are_approved_founding_signatories():
    created = load_organisations()

    assert len(created) == 11
    organisations = Organisation.objects.order_by("pk")
    assert [o.name for o in organisations] == APPEAL_NAMES
    assert {(o.status, o.founding) for o in organisations} == {(Organisation.Status.APPROVED, True)}
    # Only what the names make plain; nothing invented.
    assert {o.name: o.kind for o in organisations if o.kind != "autre"} == {
        "CNT éducation": "syndicat",
        "SUD éducation": "syndicat",
        "SNUipp 82": "syndicat",
        "ICEM": "mouvement",
        "FIMEM": "mouvement",
    }
    assert {o.name: o.scope for o in organisations if o.scope != "national"} == {"PAS 38": "38", "SNUipp 82": "82"}
    assert {(o.short_name, o.website, o.description, o.contact_email) for o in organisations} == {("", "", "", "")}


def test_loading_twice_creates_nothing_and_keeps_staff_edits(pages):
    call_command("load_initial_content", verbosity=0)
    Organisation.objects.filter(slug="icem").update(description="Complété par l'équipe.")

    assert load_organisations() == []
    assert Organisation.objects.count() == 11
    assert Organisation.objects.get(slug="icem").description == "Complété par l'équipe."


def test_every_name_appears_in_the_appeal(pages):
    from campaign.models import Page

    appeal = Page.objects.get(slug=Page.APPEAL).current_revision().body
    load_organisations()

    for organisation in Organisation.objects.all():
        assert organisation.name in appeal
