from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django import forms
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from campaign.antispam import SALT, AntiSpamFormMixin, form_timestamp
from campaign.models import SharedCacheEntry

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
REUSED = (
    "Ce formulaire vient d'être envoyé avec d'autres informations. Pour envoyer aussi celles ci-dessous, "
    "vérifiez-les et renvoyez le formulaire."
)
EXPIRED = "Le formulaire a expiré. Vérifiez vos informations et renvoyez-le."


class ContactForm(AntiSpamFormMixin, forms.Form):
    name = forms.CharField()


class UploadForm(AntiSpamFormMixin, forms.Form):
    logo = forms.FileField()


@pytest.fixture(autouse=True)
def postgres_cache(settings):
    """Used stamps are looked at in PostgreSQL, the default cache without CACHE_URL (the suite may run with one)."""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "campaign.shared_cache.PostgresCache"}}


def submitted(shown_at, **extra):
    return ContactForm(data={"name": "Zoé", "shown_at": shown_at, "website_url": "", **extra})


def stamp(moment):
    with time_machine.travel(moment, tick=False):
        return form_timestamp()


def shown_time(value):
    return signing.loads(value, salt=SALT)[0]


def valid_at(form, moment):
    with time_machine.travel(moment, tick=False):
        return form.is_valid()


def test_unbound_form_carries_a_signed_stamp_of_the_time_with_a_random_number():
    with time_machine.travel(T0, tick=False):
        first, second = ContactForm(), ContactForm()

    assert shown_time(first.initial["shown_at"]) == shown_time(second.initial["shown_at"]) == int(T0.timestamp())
    assert first.initial["shown_at"] != second.initial["shown_at"]


def test_person_taking_a_few_seconds_passes(db):
    form = submitted(stamp(T0))

    assert valid_at(form, T0 + timedelta(seconds=4)), form.errors


def test_too_fast_is_refused_and_the_stamp_is_kept():
    shown_at = stamp(T0)
    form = submitted(shown_at)

    assert not valid_at(form, T0 + timedelta(seconds=1))
    assert form.non_field_errors() == [
        "Formulaire envoyé trop vite. Prenez quelques secondes pour vérifier vos informations, puis renvoyez-le."
    ]
    assert form["shown_at"].value() == shown_at
    assert form["name"].value() == "Zoé"


def test_honeypot_is_refused():
    form = submitted(stamp(T0), website_url="http://spam.example")

    assert not valid_at(form, T0 + timedelta(seconds=10))
    assert form.non_field_errors() == [
        "Votre envoi ressemble à celui d'un robot. Si vous êtes une personne, réessayez."
    ]


def test_a_form_works_for_three_hours(db):
    assert valid_at(submitted(stamp(T0)), T0 + timedelta(hours=2, minutes=59))
    assert not valid_at(submitted(stamp(T0)), T0 + timedelta(hours=3, seconds=1))


def test_tampered_stale_or_old_style_stamp_is_refused_then_renewed():
    old_style = signing.dumps(int(T0.timestamp()), salt=SALT)  # the time alone, as stamps once were
    for shown_at in ("forged", stamp(T0 - timedelta(hours=4)), old_style, signing.dumps(["1", "x"], salt=SALT)):
        form = submitted(shown_at)

        assert not valid_at(form, T0)
        assert form.non_field_errors() == [EXPIRED]
        assert shown_time(form["shown_at"].value()) == int(T0.timestamp())
        assert form["name"].value() == "Zoé"


def test_the_same_stamp_with_the_same_data_passes_again(db):
    shown_at = stamp(T0)

    first = valid_at(submitted(shown_at), T0 + timedelta(seconds=5))
    double_click = valid_at(submitted(shown_at), T0 + timedelta(seconds=6))

    assert (first, double_click) == (True, True)


def test_the_same_stamp_with_other_data_is_refused_with_a_fresh_stamp_and_the_input_kept(db):
    shown_at = stamp(T0)
    assert valid_at(submitted(shown_at), T0 + timedelta(seconds=5))

    spouse = submitted(shown_at, name="Camille")
    assert not valid_at(spouse, T0 + timedelta(seconds=60))

    assert spouse.non_field_errors() == [REUSED]
    assert spouse["name"].value() == "Camille"
    fresh = spouse["shown_at"].value()
    assert fresh != shown_at
    # Same time shown: sending again at once is not "too fast".
    assert shown_time(fresh) == shown_time(shown_at)
    assert valid_at(submitted(fresh, name="Camille"), T0 + timedelta(seconds=61))


def test_a_form_with_a_mistake_keeps_its_stamp_unused(db):
    shown_at = stamp(T0)
    mistaken = submitted(shown_at, name="")

    assert not valid_at(mistaken, T0 + timedelta(seconds=5))
    assert mistaken["shown_at"].value() == shown_at
    assert valid_at(submitted(shown_at, name="Zoé"), T0 + timedelta(seconds=30))
    assert SharedCacheEntry.objects.count() == 1


def test_a_used_form_shown_again_carries_an_unused_stamp(db):
    # What the page shows when the view refuses a valid form after all (too many signatures from a network).
    shown_at = stamp(T0)
    form = submitted(shown_at)

    assert valid_at(form, T0 + timedelta(seconds=5))
    again = form["shown_at"].value()
    assert again != shown_at and shown_time(again) == shown_time(shown_at)
    assert valid_at(submitted(again, name="Camille"), T0 + timedelta(seconds=6))


def test_the_store_keeps_a_keyed_hash_for_as_long_as_the_stamp_lives(db):
    assert valid_at(submitted(stamp(T0)), T0 + timedelta(minutes=30))

    [entry] = SharedCacheEntry.objects.all()
    assert entry.expires == pytest.approx((T0 + timedelta(hours=3)).timestamp(), abs=2)
    value = bytes(entry.value)
    assert b"Zo" not in value and "Zoé".encode() not in value


def test_files_count_by_name_and_size(db):
    shown_at = stamp(T0)

    def upload(name, content):
        form = UploadForm(
            data={"shown_at": shown_at, "website_url": ""}, files={"logo": SimpleUploadedFile(name, content)}
        )
        return valid_at(form, T0 + timedelta(seconds=5))

    assert [upload("logo.png", b"1234"), upload("logo.png", b"1234"), upload("logo.png", b"12345")] == [
        True,
        True,
        False,
    ]
