import pytest

from campaign.models import OutgoingEmail
from petitions.counter import stored_counts
from petitions.models import Signature
from tests.campaign.factories import enrol_totp, make_user
from tests.campaign.html_text import heading
from tests.petitions.factories import make_signature

# Emails about a signature, as the signing path queues them.
KIND = "petitions.signature_confirm"


@pytest.fixture
def staff_client(client, db):
    user = enrol_totp(make_user("equipe@example.org", superuser=True))
    client.force_login(user)
    return client


def test_staff_find_a_signature_by_the_address_as_typed(staff_client, petition):
    make_signature(petition, first_name="Zoé", last_name="Lhote", email="zoe.lhote@gmail.com")
    make_signature(petition, first_name="Autre", last_name="Personne")

    response = staff_client.get("/admin/petitions/signature/", {"q": "Zoe.Lhote+lsun@GMAIL.com"})

    assert response.status_code == 200
    assert [str(signature) for signature in response.context["cl"].result_list] == ["Zoé L."]


def test_staff_read_a_signature_but_cannot_edit_it(staff_client, petition):
    signature = make_signature(petition)

    page = staff_client.get(f"/admin/petitions/signature/{signature.pk}/change/")

    assert page.status_code == 200
    assert 'name="first_name"' not in page.content.decode()
    adding = staff_client.get("/admin/petitions/signature/add/")
    assert (adding.status_code, heading(adding.content.decode())) == (403, "Accès refusé")


def test_staff_deleting_a_signature_erases_its_queued_emails(staff_client, petition):
    signature = make_signature(petition)
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("confirm", 0), recipient=signature.email)

    response = staff_client.post(f"/admin/petitions/signature/{signature.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert (Signature.objects.count(), OutgoingEmail.objects.count()) == (0, 0)
    assert stored_counts(petition.pk) == (0, 0)


def test_staff_bulk_delete_erases_queued_emails(staff_client, petition):
    signatures = [make_signature(petition) for _ in range(3)]
    for signature in signatures:
        OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("confirm", 0), recipient=signature.email)

    staff_client.post(
        "/admin/petitions/signature/",
        {"action": "delete_selected", "_selected_action": [s.pk for s in signatures[:2]], "post": "yes"},
    )

    assert list(Signature.objects.values_list("pk", flat=True)) == [signatures[2].pk]
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [signatures[2].email_key("confirm", 0)]


def test_petition_list_shows_the_count(staff_client, petition):
    make_signature(petition)

    html = staff_client.get("/admin/petitions/petition/").content.decode()

    assert '<td class="field-signatures">1</td>' in html


def test_staff_deleting_a_petition_erases_its_signatures_and_their_emails(staff_client, petition):
    from petitions.models import Petition, SignatureCounter
    from tests.petitions.factories import make_petition

    other = make_petition()
    signature = make_signature(other)
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("confirm", 0), recipient=signature.email)

    response = staff_client.post(f"/admin/petitions/petition/{other.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(Petition.objects.all()) == [petition]
    assert (Signature.objects.count(), OutgoingEmail.objects.count()) == (0, 0)
    assert not SignatureCounter.objects.filter(petition_id=other.pk).exists()


def test_deleting_one_signature_takes_its_emails(petition):
    signature = make_signature(petition)
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("confirm", 0), recipient=signature.email)

    assert signature.delete() == (1, {"petitions.Signature": 1})
    assert OutgoingEmail.objects.count() == 0


def test_listing_signatures_is_written_to_the_audit_log(staff_client, petition):
    from campaign.models import AuditEntry

    make_signature(petition)
    make_signature(petition)

    staff_client.get("/admin/petitions/signature/", {"role": "parent"})

    assert list(AuditEntry.objects.values_list("user_email", "action", "model", "query", "rows")) == [
        ("equipe@example.org", "list", "petitions.signature", "role=parent", 2)
    ]


def test_exporting_signatures_is_audited_and_safe_for_spreadsheets(staff_client, petition):
    from campaign.models import AuditEntry

    one = make_signature(petition, first_name="Zoé", last_name="L'Hôte", email="zoe@example.org")
    make_signature(petition)

    response = staff_client.post("/admin/petitions/signature/", {"action": "export_csv", "_selected_action": [one.pk]})

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Prénom,Nom,Adresse e-mail,Code postal,Département,Qualité,Nom affiché,Actualités,Signée le,Confirmée le"
    )
    assert lines[1].startswith("Zoé,L'Hôte,zoe@example.org,38000,38,parent,False,False,")
    assert len(lines) == 2
    assert list(AuditEntry.objects.filter(action="export").values_list("model", "rows")) == [("petitions.signature", 1)]
