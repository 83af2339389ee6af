"""The single-use anti-robot stamp, as signers meet it: a double click, a spouse signing next, a refused form."""

import html
import re
import time
from datetime import timedelta

import time_machine
from django.utils import timezone

from campaign.antispam import form_timestamp
from campaign.env import parse_rates
from campaign.models import OutgoingEmail
from petitions.models import Signature
from tests.campaign.html_text import block_texts
from tests.petitions.factories import form_data

REUSED = (
    "Ce formulaire vient d'être envoyé avec d'autres informations. Pour envoyer aussi celles ci-dessous, "
    "vérifiez-les et renvoyez le formulaire."
)


def hidden_stamp(response):
    return html.unescape(
        re.search(r'<input type="hidden" name="shown_at" value="([^"]*)"', response.content.decode())[1]
    )


def input_value(response, name):
    match = re.search(rf'<input type="[a-z]+" name="{name}"(?: value="([^"]*)")?', response.content.decode())
    return html.unescape(match[1]) if match and match[1] is not None else None


def test_a_double_click_ends_on_the_thank_you_page_with_one_signature(client, petition):
    data = form_data(email="zoe@example.org")

    first = client.post("/signer/", data)
    second = client.post("/signer/", data)

    assert (first.status_code, first["Location"]) == (302, "/signer/merci/")
    assert (second.status_code, second["Location"]) == (302, "/signer/merci/")
    [signature] = Signature.objects.all()
    assert signature.email == "zoe@example.org"
    # The second click replays the first: no second email, no reminder counted.
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [f"signature:{signature.pk}:confirm:0"]
    assert signature.reminders_sent == 0


def test_a_double_click_counts_once_against_the_rate_limit(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("2/10m")
    data = form_data(email="zoe@example.org")
    client.post("/signer/", data)
    client.post("/signer/", data)

    other = client.post("/signer/", form_data(email="camille@example.org"))

    assert (other.status_code, other["Location"]) == (302, "/signer/merci/")
    assert sorted(Signature.objects.values_list("email", flat=True)) == ["camille@example.org", "zoe@example.org"]


def test_reloading_a_refused_submission_tries_it_again(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("1/10m")
    client.post("/signer/", form_data(email="zoe@example.org"))
    data = form_data(email="camille@example.org")
    assert client.post("/signer/", data).status_code == 429
    settings.SIGNATURE_RATE_LIMITS = []

    # The browser sends the very same POST again (same stamp, same data):
    # it was refused, not recorded, so it is not a replay.
    reloaded = client.post("/signer/", data)

    assert (reloaded.status_code, reloaded["Location"]) == (302, "/signer/merci/")
    assert sorted(Signature.objects.values_list("email", flat=True)) == ["camille@example.org", "zoe@example.org"]


def test_going_back_to_sign_for_someone_else_asks_once_and_loses_nothing(client, petition):
    stamp = form_timestamp(time.time() - 60)
    client.post("/signer/", form_data(email="zoe@example.org", shown_at=stamp))

    # Back in the browser, the same form (and stamp) with another person's details.
    refused = client.post("/signer/", form_data(email="camille@example.org", first_name="Camille", shown_at=stamp))

    assert refused.status_code == 200
    assert block_texts(refused.content.decode(), "error-summary") == ["Le formulaire contient une erreur", REUSED]
    assert (input_value(refused, "first_name"), input_value(refused, "email")) == ("Camille", "camille@example.org")
    assert hidden_stamp(refused) != stamp
    assert list(Signature.objects.values_list("email", flat=True)) == ["zoe@example.org"]

    again = client.post(
        "/signer/", form_data(email="camille@example.org", first_name="Camille", shown_at=hidden_stamp(refused))
    )

    assert (again.status_code, again["Location"]) == (302, "/signer/merci/")
    assert sorted(Signature.objects.values_list("email", flat=True)) == ["camille@example.org", "zoe@example.org"]


def test_a_form_refused_for_too_many_signatures_can_simply_be_sent_again_later(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("1/10m")
    client.post("/signer/", form_data(email="zoe@example.org"))
    refused = client.post("/signer/", form_data(email="camille@example.org"))
    assert refused.status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        later = client.post("/signer/", form_data(email="camille@example.org", shown_at=hidden_stamp(refused)))

    assert (later.status_code, later["Location"]) == (302, "/signer/merci/")
    assert Signature.objects.count() == 2


def test_a_script_replaying_one_stamp_signs_once(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = []
    stamp = form_timestamp(time.time() - 60)

    answers = [client.post("/signer/", form_data(email=f"robot{n}@example.org", shown_at=stamp)) for n in range(5)]

    assert [answer.status_code for answer in answers] == [302, 200, 200, 200, 200]
    assert list(Signature.objects.values_list("email", flat=True)) == ["robot0@example.org"]
