from datetime import UTC, datetime, timedelta

import time_machine
from django import forms

from campaign.antispam import AntiSpamFormMixin, form_timestamp

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class ContactForm(AntiSpamFormMixin, forms.Form):
    name = forms.CharField()


def submitted(shown_at, **extra):
    return ContactForm(data={"name": "Zoé", "shown_at": shown_at, "website_url": "", **extra})


def stamp(moment):
    with time_machine.travel(moment, tick=False):
        return form_timestamp()


def test_unbound_form_carries_a_signed_timestamp():
    with time_machine.travel(T0, tick=False):
        form = ContactForm()

        assert form.initial["shown_at"] == form_timestamp()


def test_person_taking_a_few_seconds_passes():
    form = submitted(stamp(T0))

    with time_machine.travel(T0 + timedelta(seconds=4), tick=False):
        assert form.is_valid(), form.errors


def test_too_fast_is_refused_and_the_stamp_is_kept():
    form = submitted(stamp(T0))

    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        assert not form.is_valid()

    assert form.non_field_errors() == [
        "Formulaire envoyé trop vite. Prenez quelques secondes pour vérifier vos informations, puis renvoyez-le."
    ]
    assert form["shown_at"].value() == stamp(T0)
    assert form["name"].value() == "Zoé"


def test_honeypot_is_refused():
    form = submitted(stamp(T0), website_url="http://spam.example")

    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert not form.is_valid()

    assert form.non_field_errors() == [
        "Votre envoi ressemble à celui d'un robot. Si vous êtes une personne, réessayez."
    ]


def test_tampered_or_stale_stamp_is_refused_then_renewed():
    for shown_at in ("forged", stamp(T0 - timedelta(days=2))):
        form = submitted(shown_at)

        with time_machine.travel(T0, tick=False):
            assert not form.is_valid()
            assert form.non_field_errors() == ["Le formulaire a expiré. Vérifiez vos informations et renvoyez-le."]
            assert form["shown_at"].value() == form_timestamp()
