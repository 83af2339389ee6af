import re
from datetime import UTC, datetime

import time_machine
from django.db import connection

from campaign.models import OutgoingEmail
from petitions import tokens
from petitions.counter import featured, stored_counts
from petitions.models import Signature
from tests.campaign.html_text import block_texts, heading
from tests.petitions.factories import form_data, make_signature

# Emails about a signature, as the signing path queues them.
KIND = "petitions.signature_confirm"

SIGNED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CONFIRMED = datetime(2026, 12, 1, 9, 45, tzinfo=UTC)
REMINDED = datetime(2026, 12, 3, 18, 5, tzinfo=UTC)


def withdraw_path(signature):
    return f"/signer/retirer/{tokens.withdrawal_token(signature)}/"


def test_withdrawal_page_shows_everything_held_before_its_button(client, petition):
    with time_machine.travel(datetime(2026, 11, 20, 8, 0, tzinfo=UTC)):
        revision = petition.appeal.publish(title="Retrait du LSUN", body="Le texte de l'appel.")
    signature = make_signature(
        petition,
        first_name="Zoé",
        last_name="L'Hôte-Müller",
        email="Zoe.Lhote+lsun@gmail.com",
        postcode="20137",
        departement="2A",
        role="enseignant",
        show_name=True,
        wants_news=True,
        created_at=SIGNED,
        confirmed_at=CONFIRMED,
        reminders_sent=2,
        last_reminded_at=REMINDED,
        appeal_revision=revision,
    )
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("already", 2), recipient=signature.email)

    response = client.get(withdraw_path(signature))
    html = response.content.decode()

    assert response.status_code == 200
    assert block_texts(html, "held-data") == [
        "Prénom", "Zoé",
        "Nom", "L'Hôte-Müller",
        "Adresse e-mail", "Zoe.Lhote+lsun@gmail.com",
        "Adresse e-mail normalisée (pour n'accepter qu'une signature par personne)", "zoelhote@gmail.com",
        "Code postal", "20137",
        "Département", "Corse-du-Sud (2A)",
        "Qualité", "Enseignant·e",
        "Nom affiché dans la liste publique", "oui, sous la forme « Zoé L. »",
        "Actualités de la campagne par e-mail", "oui",
        "Venue par le lien de l'organisation", "aucune",
        "Texte signé", "« Retrait du LSUN », version du 20 novembre 2026",
        "Signée le", "1 décembre 2026 à 10:30",
        "Confirmée le", "1 décembre 2026 à 10:45",
        "Rappels envoyés (quand l'adresse a été saisie à nouveau)", "2, le dernier le 3 décembre 2026 à 19:05",
        "Identifiant aléatoire des liens de vos e-mails", signature.token,
        "E-mails en attente d'envoi", "1",
    ]  # fmt: skip
    # Every stored column of the signature is on the page (the petition is the page itself).
    shown = {
        "first_name", "last_name", "email", "email_normalised", "postcode", "departement", "role", "show_name",
        "wants_news", "via", "appeal_revision", "created_at", "confirmed_at", "token", "reminders_sent",
        "last_reminded_at",
    }  # fmt: skip
    assert {field.name for field in Signature._meta.concrete_fields} - shown == {"id", "petition"}
    assert html.index('class="held-data"') < html.index('<button type="submit">')
    assert '<button type="submit">Retirer ma signature et effacer mes données</button>' in html


def test_withdrawal_deletes_the_signature_its_emails_and_lowers_the_count(client, petition):
    kept = make_signature(petition, email="kept@example.org")
    signature = make_signature(petition, email="zoe@example.org", show_name=True)
    OutgoingEmail.objects.create(
        kind=KIND, key=signature.email_key("confirm", 0), status="sent", sent_at=signature.created_at
    )
    OutgoingEmail.objects.create(kind=KIND, key=signature.email_key("already", 1), recipient="zoe@example.org")
    OutgoingEmail.objects.create(
        kind=KIND, key=signature.email_key("already", 2), recipient="zoe@example.org", status="failed"
    )
    OutgoingEmail.objects.create(kind=KIND, key=kept.email_key("already", 1), recipient="kept@example.org")
    OutgoingEmail.objects.create(kind=KIND, key=f"signature:{signature.pk}0:already:1", recipient="other@example.org")
    assert stored_counts(petition.pk) == (2, 1)

    response = client.post(withdraw_path(signature))

    assert (response.status_code, response["Location"]) == (302, "/signer/retiree/")
    assert list(Signature.objects.values_list("email", flat=True)) == ["kept@example.org"]
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == [
        f"signature:{kept.pk}:already:1",
        f"signature:{signature.pk}0:already:1",
    ]
    assert stored_counts(petition.pk) == (1, 0)
    # Nothing anywhere still names her.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM campaign_outgoingemail WHERE recipient LIKE 'zoe@%%'")
        assert cursor.fetchone() == (0,)
    done = client.get(response["Location"]).content.decode()
    assert block_texts(done, "prose")[:2] == [
        "Nous avons effacé votre signature et toutes les informations qui s'y rattachaient, y compris les e-mails "
        "qui attendaient d'être envoyés. Il n'en reste aucune trace dans la base de données.",
        "La pétition compte désormais 1 signature.",
    ]


def test_withdrawal_is_idempotent(client, petition):
    signature = make_signature(petition)
    path = withdraw_path(signature)

    first = client.post(path)
    second = client.post(path)
    page = client.get(path)

    assert (first["Location"], second["Location"]) == ("/signer/retiree/", "/signer/retiree/")
    assert page.status_code == 404
    assert "<h1>Aucune signature ne correspond à ce lien</h1>" in page.content.decode()
    assert Signature.objects.count() == 0
    assert stored_counts(petition.pk) == (0, 0)


def test_a_pending_signature_can_be_withdrawn_without_changing_the_count(client, petition):
    make_signature(petition)
    pending = make_signature(petition, confirmed=False)

    client.post(withdraw_path(pending))

    assert stored_counts(petition.pk) == (1, 0)
    assert Signature.objects.count() == 1


def test_whoever_signs_again_after_withdrawing_starts_afresh(client, petition):
    client.post("/signer/", form_data(email="zoe@example.org"))
    first = Signature.objects.get()
    client.post(withdraw_path(first))

    client.post("/signer/", form_data(email="zoe@example.org"))

    second = Signature.objects.get()
    assert second.pk != first.pk
    assert second.reminders_sent == 0
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [f"signature:{second.pk}:confirm:0"]


def test_withdrawn_page_shows_the_fresh_count(client, petition):
    signature = make_signature(petition)
    featured()  # the count (1) is now cached

    client.post(withdraw_path(signature))
    html = client.get("/signer/retiree/").content.decode()

    assert "La pétition compte désormais 0 signatures." in html
    assert re.search(r"data-counter-number>(\d+)<", client.get("/").content.decode())[1] == "0"


def test_withdrawal_link_works_for_a_confirmed_signature_long_after(client, petition):
    signature = make_signature(petition, created_at=SIGNED, confirmed_at=CONFIRMED)

    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC)):
        response = client.get(withdraw_path(signature))

    assert response.status_code == 200
    assert heading(response.content.decode()) == "Vos données et le retrait de votre signature"
    assert Signature.objects.get().pk == signature.pk
