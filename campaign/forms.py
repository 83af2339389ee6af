"""What every form of the site shares: bounded fields, and names without invisible characters.

Whatever a field does with its value (a regular expression, a parser, a
database lookup), it does it on a value whose length was checked first, so
that no submission costs more than a few milliseconds, whatever its size.
"""

import unicodedata
from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_LENGTH_MESSAGE = _("%(limit_value)d caractères au plus (vous en avez saisi %(show_value)d).")
# For fields nobody types much into and that come without a bound (a honeypot,
# a signed stamp, a choice): far more than they ever hold.
FALLBACK_MAX_LENGTH = 1000


class LengthFirst(forms.Field):
    """Mixed in front of a form field's class: a value longer than ``max_length`` is refused before anything else.

    Django's CharField checks its length with a validator, which runs after
    ``to_python()`` and ``validate()``: a 90,000-character first name went
    through the name checks before being refused, for 30 seconds.
    """

    max_length: int | None

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and self.max_length is not None:
            length = len(value.strip() if getattr(self, "strip", False) else value)
            if length > self.max_length:
                raise forms.ValidationError(
                    self.error_messages.get("max_length", MAX_LENGTH_MESSAGE),
                    code="max_length",
                    params={"limit_value": self.max_length, "show_value": length},
                )
        try:
            return super().to_python(value)
        except ValueError:
            # A parser giving up with a bare ValueError instead of Django's
            # ValidationError (a JSON number of 5,000 digits exceeds Python's
            # integer conversion limit inside json.loads): the input is
            # invalid, not the server broken.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


_length_first_classes: dict[type[forms.Field], type[forms.Field]] = {}


def _length_first(field_class: type[forms.Field]) -> type[forms.Field]:
    if issubclass(field_class, LengthFirst):
        return field_class
    if field_class not in _length_first_classes:
        _length_first_classes[field_class] = type(field_class.__name__, (LengthFirst, field_class), {})
    return _length_first_classes[field_class]


def bound(field: forms.Field, max_length: int | None = None) -> forms.Field:
    """Make ``field`` check its length first, with ``max_length`` (or its own, or the fallback) as the bound.

    It works on fields we do not declare ourselves (allauth's, a ModelForm's):
    their class is swapped for a subclass with ``LengthFirst`` in front.
    """
    if isinstance(field, forms.FileField):
        return field  # bounded in bytes by the field and by DATA_UPLOAD_MAX_MEMORY_SIZE
    limit = max_length or getattr(field, "max_length", None) or FALLBACK_MAX_LENGTH
    field.__class__ = _length_first(type(field))
    cast(LengthFirst, field).max_length = limit
    if isinstance(field, forms.CharField) and not field.widget.is_hidden:
        field.widget.attrs["maxlength"] = str(limit)
    return field


class BoundedFormMixin(forms.BaseForm):
    """First base of every form of the site: each of its fields checks its length before anything else.

    ``max_lengths`` gives the bound of fields declared elsewhere without one
    (allauth's password, a model's TextField); fields with their own
    ``max_length`` keep it.
    """

    max_lengths: ClassVar[dict[str, int]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            bound(field, self.max_lengths.get(name))


# --- Names ---------------------------------------------------------------------

# Names are shown to everyone (the signatories' list, the organisations' pages):
# what is stored must look like what was typed.
#
# Whitespace of any kind (tabs, newlines, no-break spaces, line and paragraph
# separators) becomes one space.
#
# Removed silently: invisible characters that ride along when a name is copied
# from a phone's contacts, a word processor or a web page (zero-width spaces and
# joiners, byte-order marks, soft hyphens, left-to-right and right-to-left marks;
# every other format character, Unicode category Cf, too: a Persian name then
# shows its letters joined, still readable), and the blank
# "letters" used to fake an empty name (Hangul fillers, the blank Braille
# pattern, invisible combining marks): a person meets them by accident, and
# refusing would ask them to find a character they cannot see.
BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Refused with a message: characters that reorder what follows them (direction
# embeddings, overrides and isolates), control characters, and characters no
# font shows the same way (private use, unassigned, lone surrogates). Nobody
# types them by accident, and removing an override would silently show
# something else than what its author meant.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE_CATEGORIES = frozenset({"Cc"})
UNKNOWN_CATEGORIES = frozenset({"Co", "Cn", "Cs"})
INVISIBLE_MESSAGE = _("Ce champ contient un caractère invisible : retapez-le.")
UNKNOWN_MESSAGE = _("Ce champ contient un caractère que nous ne savons pas afficher : retapez-le sans lui.")


def clean_typed_name(value: str) -> str:
    """``value`` in NFC, spaces collapsed, without invisible characters; ValidationError for the refused ones."""
    # One spelling per name: "é" typed as e + accent is stored as "é".
    value = " ".join(unicodedata.normalize("NFC", value).split())
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if char in DIRECTION_CONTROLS or category in INVISIBLE_CATEGORIES:
            raise forms.ValidationError(INVISIBLE_MESSAGE, code="invisible")
        if category in UNKNOWN_CATEGORIES:
            raise forms.ValidationError(UNKNOWN_MESSAGE, code="unknown_character")
        if category != "Cf" and char not in BLANK_FILLERS:
            kept.append(char)
    return " ".join("".join(kept).split())


class NameField(forms.CharField):
    """A name people type (a person's, an organisation's): any script, nothing invisible."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return clean_typed_name(value) if value else value
