"""Bounded fields and typed names (campaign/forms.py)."""

import pytest
from django import forms

from campaign.forms import FALLBACK_MAX_LENGTH, BoundedFormMixin, NameField, clean_typed_name


class CostlyField(forms.CharField):
    """A field whose own check must never see an over-long value."""

    seen = []

    def validate(self, value):
        super().validate(value)
        self.seen.append(len(value))


class ExampleForm(BoundedFormMixin, forms.Form):
    costly = CostlyField(max_length=10)
    free_text = forms.CharField(required=False, widget=forms.Textarea)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    choice = forms.ChoiceField(choices=[("a", "A")], required=False)

    max_lengths = {"free_text": 20}


def test_length_is_checked_before_the_field_looks_at_the_value():
    CostlyField.seen.clear()

    form = ExampleForm({"costly": "x" * 100_000})

    assert form.errors["costly"] == ["10 caractères au plus (vous en avez saisi 100000)."]
    assert CostlyField.seen == []


def test_a_value_within_the_bound_reaches_the_field():
    CostlyField.seen.clear()

    form = ExampleForm({"costly": "  abc  "})

    assert form.is_valid()
    assert CostlyField.seen == [3]


def test_every_field_gets_a_bound_and_visible_ones_say_it():
    form = ExampleForm()

    assert {name: field.max_length for name, field in form.fields.items()} == {
        "costly": 10,
        "free_text": 20,
        "stamp": FALLBACK_MAX_LENGTH,
        "choice": FALLBACK_MAX_LENGTH,
    }
    assert 'maxlength="20"' in str(form["free_text"])
    assert "maxlength" not in str(form["stamp"])


def test_fields_declared_elsewhere_are_bounded_too():
    form = ExampleForm({"costly": "a", "free_text": "x" * 21, "stamp": "x" * 2000, "choice": "b" * 5000})

    assert form.errors == {
        "free_text": ["20 caractères au plus (vous en avez saisi 21)."],
        "stamp": [f"{FALLBACK_MAX_LENGTH} caractères au plus (vous en avez saisi 2000)."],
        "choice": [f"{FALLBACK_MAX_LENGTH} caractères au plus (vous en avez saisi 5000)."],
    }


def test_the_form_class_itself_is_left_alone():
    ExampleForm()

    assert type(ExampleForm.base_fields["costly"]) is CostlyField
    assert ExampleForm.base_fields["free_text"].max_length is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zo\u200bé", "Zoé"),  # zero-width space, pasted from a phone
        ("\ufeffZoé", "Zoé"),  # byte-order mark
        ("Zo\u00adé", "Zoé"),  # soft hyphen
        ("Zo\u2060é", "Zoé"),  # word joiner
        ("\u200eZoé\u200f", "Zoé"),  # left-to-right and right-to-left marks
        ("Zo\u3164é", "Zoé"),  # Hangul filler
        ("\u115f\u1160Zoé", "Zoé"),  # Hangul choseong and jungseong fillers
        ("Zo\uffa0é", "Zoé"),  # halfwidth Hangul filler
        ("Zo\u2800é", "Zoé"),  # blank Braille pattern
        ("Ze\u0301phyr", "Zéphyr"),  # e + combining accent, stored composed
        ("Jean \u200b Pierre", "Jean Pierre"),
        ("Jean\u2028Pierre\u2029", "Jean Pierre"),  # line and paragraph separators are whitespace
        ("Jean\tPierre\n", "Jean Pierre"),
        ("\u3164\u3164", ""),
        ("Nguyễn Thị", "Nguyễn Thị"),
        ("محمد", "محمد"),
        ("김민준", "김민준"),
    ],
)
def test_invisible_characters_are_removed(typed, stored):
    assert clean_typed_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Zo\u202eé", "Ce champ contient un caractère invisible : retapez-le."),  # right-to-left override
        ("Zo\u202dé", "Ce champ contient un caractère invisible : retapez-le."),  # left-to-right override
        ("Zo\u2067é", "Ce champ contient un caractère invisible : retapez-le."),  # right-to-left isolate
        ("Zo\u202bé", "Ce champ contient un caractère invisible : retapez-le."),  # right-to-left embedding
        ("Zo\x07é", "Ce champ contient un caractère invisible : retapez-le."),
        ("Zo\ue000é", "Ce champ contient un caractère que nous ne savons pas afficher : retapez-le sans lui."),
        ("Zo\U000e0fffé", "Ce champ contient un caractère que nous ne savons pas afficher : retapez-le sans lui."),
    ],
)
def test_characters_that_change_the_reading_or_show_nothing_known_are_refused(typed, message):
    field = NameField()

    with pytest.raises(forms.ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages == [message]


def test_a_name_of_fillers_only_is_empty():
    with pytest.raises(forms.ValidationError) as refused:
        NameField().clean("\u3164 \u200b")

    assert refused.value.code == "required"
