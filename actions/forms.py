"""The letters' forms: what a parent types, bounded and cleaned, turned into the values of a template.

Nothing here is ever saved: a form's values fill a letter in the response and
are gone (see actions/views.py).
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, cast

from django import forms
from django.conf import settings
from django.forms.widgets import ChoiceWidget
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from actions.models import DataProtectionOfficer
from campaign.forms import BoundedFormMixin, NameField, clean_typed_name

# Dates a letter or a meeting may carry: refuses a typo such as year 20026
# or 0202, which the date picker of an old phone lets through.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
DATE_OUT_OF_RANGE = _("Indiquez une date entre 2000 et 2099.")


class AddressField(forms.CharField):
    """A postal address on a few lines: each line cleaned like a name (nothing invisible), empty lines dropped."""

    widget = forms.Textarea

    def __init__(self, *, max_lines: int = 6, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 300)
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self.widget.attrs.update({"rows": "4", "cols": "40"})

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if not value:
            return value
        lines = [line for line in (clean_typed_name(line) for line in value.splitlines()) if line]
        if len(lines) > self.max_lines:
            raise forms.ValidationError(
                _("%(limit)d lignes au plus (vous en avez saisi %(count)d)."),
                code="max_lines",
                params={"limit": self.max_lines, "count": len(lines)},
            )
        return "\n".join(lines)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DatePickerInput(forms.DateInput):
    """The browser's calendar; a text box again for a value it could not hold, so that what was typed is kept.

    A browser without a calendar sends what was typed ("31/02/2026"): shown
    back in a date input it would be dropped, and it is not valid HTML there.
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["value"]
        if shown and not ISO_DATE.fullmatch(str(shown)):
            context["widget"]["type"] = "text"
        return context


class LetterDateField(forms.DateField):
    """A date picked in the browser's calendar (ISO), or typed as 30/11/2026."""

    widget = DatePickerInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")


class OptionDataMixin(ChoiceWidget):
    """Options carrying ``data-`` attributes (``option_data()``), which the live preview's script reads."""

    def option_data(self, value: Any) -> dict[str, str]:
        return {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: Any = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data(value))
        return option


class DataRadioSelect(OptionDataMixin, forms.RadioSelect):
    """Radio buttons whose options carry the ``data-`` attributes given by value."""

    def __init__(self, *args: Any, data: dict[str, dict[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data = data or {}

    def option_data(self, value: Any) -> dict[str, str]:
        return self.data.get(str(value), {})


class OfficerSelect(OptionDataMixin, forms.Select):
    """The académies' data protection officers, each option carrying its designation, address and email."""

    def option_data(self, value: Any) -> dict[str, str]:
        officer = getattr(value, "instance", None)
        if officer is None:
            return {}
        return {"data-designation": officer.designation, "data-address": officer.address, "data-email": officer.email}


def in_each_language(text: Promise) -> dict[str, str]:
    """``data-value-fr``, ``data-value-en``…: a translatable text as each letter language writes it."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[f"data-value-{code}"] = str(text)
    return values


class LetterForm(BoundedFormMixin, forms.Form):
    """What every letter's form shares: the letter's language, offered on pages in another language than French.

    The English letters go to French administrations: on an English page the
    parent chooses the language of the letter, French being what the
    administration reads.
    """

    # The fields of the template this form fills (its ``Champs :`` line may name these only).
    TEMPLATE_FIELDS: ClassVar[frozenset[str]] = frozenset()
    # The form's fields under their legends, in order.
    FIELDSETS: ClassVar[list[tuple[Promise, list[str]]]] = []

    langue = forms.ChoiceField(
        label=_("Langue de la lettre"),
        choices=[("en", _("En anglais")), ("fr", _("En français, la langue de l'administration"))],
        initial="en",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, page_language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_language = page_language
        if page_language == settings.LANGUAGE_CODE:
            del self.fields["langue"]

    def letter_language(self) -> str:
        """The language the letter is written in (valid forms only)."""
        return self.cleaned_data.get("langue") or settings.LANGUAGE_CODE

    def values(self) -> dict[str, str]:
        """The template's fields, written in the letter's language (valid forms only)."""
        with translation.override(self.letter_language()):
            return self.letter_values()

    def letter_values(self) -> dict[str, str]:
        raise NotImplementedError

    def recipient_email(self) -> str:
        return self.cleaned_data.get("email_destinataire") or ""

    def field_labels(self) -> dict[str, str]:
        """What the preview shows in place of each template field before the parent types it."""
        return {}

    @staticmethod
    def written_date(value: date) -> str:
        """The date written out in the active language: « 1er décembre 2026 », “1 December 2026”."""
        written = formats.date_format(value, "j F Y")
        if value.day == 1 and translation.get_language() == "fr":
            written = "1er" + written[1:]
        return written


HEAD = "direction"
OFFICER = "dpd"
OTHER = "autre"
RECIPIENTS = [
    (HEAD, _("À la direction de l'école ou de l'établissement")),
    (OFFICER, _("Au délégué ou à la déléguée à la protection des données de l'académie")),
    (OTHER, _("À un autre destinataire")),
]
# The recipient line for the school's head, in the letter's language.
HEAD_DESIGNATION = _("À l'attention de la direction de l'école ou de l'établissement")


class AccessRequestForm(LetterForm):
    """A parent asks what is recorded about their child in the LSUN and related files, and for how long."""

    TEMPLATE_FIELDS = frozenset(
        {
            "nom_parent",
            "adresse_parent",
            "nom_enfant",
            "classe",
            "ecole",
            "destinataire",
            "adresse_destinataire",
            "lieu",
            "date",
        }
    )
    FIELDSETS = [
        (_("Vous"), ["nom_parent", "adresse_parent"]),
        (_("Votre enfant"), ["nom_enfant", "classe", "ecole"]),
        (
            _("Le destinataire"),
            ["destinataire_type", "dpd", "destinataire_autre", "adresse_destinataire", "email_destinataire"],
        ),
        (_("Lieu et date"), ["lieu", "date"]),
    ]

    nom_parent = NameField(
        label=_("Votre prénom et votre nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    adresse_parent = AddressField(
        label=_("Votre adresse postale"),
        help_text=_("Sur plusieurs lignes, comme sur une enveloppe : l'administration vous répondra là."),
        widget=forms.Textarea(attrs={"autocomplete": "street-address"}),
    )
    nom_enfant = NameField(
        label=_("Le prénom et le nom de votre enfant"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    classe = NameField(
        label=_("Sa classe"),
        max_length=40,
        help_text=_("Comme l'école l'écrit : « CM1 », « 6e B »."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    ecole = NameField(
        label=_("Son école ou son collège, avec la ville"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    destinataire_type = forms.ChoiceField(
        label=_("À qui écrire ?"),
        choices=RECIPIENTS,
        initial=HEAD,
    )
    dpd = forms.ModelChoiceField(
        label=_("Académie"),
        queryset=DataProtectionOfficer.objects.all(),
        required=False,
        empty_label=_("Choisissez l'académie"),
        widget=OfficerSelect,
        help_text=_("Seulement pour le délégué ou la déléguée à la protection des données."),
    )
    destinataire_autre = NameField(
        label=_("Nom du destinataire"),
        max_length=200,
        required=False,
        help_text=_("Seulement pour un autre destinataire : le service ou la personne, avec sa fonction."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    adresse_destinataire = AddressField(
        label=_("Adresse postale du destinataire"),
        required=False,
        help_text=_(
            "Obligatoire pour un autre destinataire. Pour la direction, l'école ou le collège ci-dessus "
            "suffit si vous remettez la lettre en main propre."
        ),
        widget=forms.Textarea(attrs={"autocomplete": "off"}),
    )
    email_destinataire = forms.EmailField(
        label=_("Adresse e-mail du destinataire (facultatif)"),
        required=False,
        help_text=_("Pour préparer un e-mail qui lui est adressé. Inutile pour l'académie, dont la liste le donne."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    lieu = NameField(
        label=_("Ville où vous écrivez"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    date = LetterDateField(label=_("Date de la lettre"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recipient = cast(forms.ChoiceField, self.fields["destinataire_type"])
        recipient.widget = DataRadioSelect(choices=recipient.choices, data={HEAD: in_each_language(HEAD_DESIGNATION)})
        if not DataProtectionOfficer.objects.exists():
            # Staff have not entered any académie yet: the choice would lead nowhere.
            recipient.choices = [choice for choice in RECIPIENTS if choice[0] != OFFICER]
            recipient.help_text = _(
                "Pour écrire au délégué ou à la déléguée à la protection des données de votre académie, "
                "choisissez « À un autre destinataire » et tapez son adresse, publiée sur le site de l'académie."
            )
            del self.fields["dpd"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("destinataire_type")
        if kind == OFFICER and not cleaned.get("dpd") and "dpd" not in self.errors:
            self.add_error("dpd", forms.ValidationError(_("Choisissez l'académie."), code="required"))
        if kind == OTHER:
            for name, message in (
                ("destinataire_autre", _("Indiquez à qui vous écrivez.")),
                ("adresse_destinataire", _("Indiquez l'adresse du destinataire.")),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(message, code="required"))
        return cleaned

    def letter_values(self) -> dict[str, str]:
        data = self.cleaned_data
        kind = data["destinataire_type"]
        if kind == OFFICER:
            officer = data["dpd"]
            recipient, address = officer.designation, officer.address
        elif kind == OTHER:
            recipient, address = data["destinataire_autre"], data["adresse_destinataire"]
        else:
            recipient, address = str(HEAD_DESIGNATION), data["adresse_destinataire"] or data["ecole"]
        return {
            "nom_parent": data["nom_parent"],
            "adresse_parent": data["adresse_parent"],
            "nom_enfant": data["nom_enfant"],
            "classe": data["classe"],
            "ecole": data["ecole"],
            "destinataire": recipient,
            "adresse_destinataire": address,
            "lieu": data["lieu"],
            "date": self.written_date(data["date"]),
        }

    def recipient_email(self) -> str:
        if self.cleaned_data.get("destinataire_type") == OFFICER:
            return self.cleaned_data["dpd"].email
        return super().recipient_email()

    def field_labels(self) -> dict[str, str]:
        return {
            "nom_parent": str(pgettext_lazy("aperçu de lettre", "votre nom")),
            "adresse_parent": str(pgettext_lazy("aperçu de lettre", "votre adresse")),
            "nom_enfant": str(pgettext_lazy("aperçu de lettre", "nom de votre enfant")),
            "classe": str(pgettext_lazy("aperçu de lettre", "classe")),
            "ecole": str(pgettext_lazy("aperçu de lettre", "école")),
            "destinataire": str(pgettext_lazy("aperçu de lettre", "destinataire")),
            "adresse_destinataire": str(pgettext_lazy("aperçu de lettre", "adresse du destinataire")),
            "lieu": str(pgettext_lazy("aperçu de lettre", "ville")),
            "date": str(pgettext_lazy("aperçu de lettre", "date")),
        }


COUNCILS = {
    "ecole": _("conseil d'école"),
    "administration": _("conseil d'administration"),
}


class MotionForm(LetterForm):
    """Parents' representatives put a motion about the LSUN to the school council or the board."""

    TEMPLATE_FIELDS = frozenset({"ecole", "type_conseil", "date_conseil", "noms_representants"})
    FIELDSETS = [
        (_("Le conseil"), ["ecole", "type_conseil", "date_conseil"]),
        (_("Les représentant·e·s des parents"), ["noms_representants", "email_destinataire"]),
    ]

    ecole = NameField(
        label=_("École ou établissement, avec la ville"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    type_conseil = forms.ChoiceField(
        label=_("Conseil"),
        choices=[
            ("ecole", _("Conseil d'école (école maternelle ou élémentaire)")),
            ("administration", _("Conseil d'administration (collège ou lycée)")),
        ],
        initial="ecole",
    )
    date_conseil = LetterDateField(label=_("Date de la séance"))
    noms_representants = NameField(
        label=_("Noms des représentant·e·s des parents qui la présentent"),
        max_length=300,
        help_text=_("Séparés par des virgules."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email_destinataire = forms.EmailField(
        label=_("Adresse e-mail à laquelle l'envoyer (facultatif)"),
        required=False,
        help_text=_("Par exemple celle de la direction, qui préside le conseil et en fixe l'ordre du jour."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        council = cast(forms.ChoiceField, self.fields["type_conseil"])
        council.widget = DataRadioSelect(
            choices=council.choices, data={key: in_each_language(text) for key, text in COUNCILS.items()}
        )

    def letter_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "ecole": data["ecole"],
            "type_conseil": str(COUNCILS[data["type_conseil"]]),
            "date_conseil": self.written_date(data["date_conseil"]),
            "noms_representants": data["noms_representants"],
        }

    def field_labels(self) -> dict[str, str]:
        return {
            "ecole": str(pgettext_lazy("aperçu de lettre", "école")),
            "type_conseil": str(pgettext_lazy("aperçu de lettre", "conseil")),
            "date_conseil": str(pgettext_lazy("aperçu de lettre", "date de la séance")),
            "noms_representants": str(pgettext_lazy("aperçu de lettre", "noms des représentant·e·s")),
        }


@dataclass(frozen=True)
class Letter:
    """A letter of /agir/: its template page, its form, and how /agir/ presents it."""

    slug: str
    form_class: type[LetterForm]
    # The shipped text, in campaign/content/ (loaded once, then edited by staff), and the page's name in the admin.
    filename: str
    page_name: str
    name: Promise
    summary: Promise


LETTERS = {
    letter.slug: letter
    for letter in [
        Letter(
            slug="lettre-acces-donnees",
            form_class=AccessRequestForm,
            filename="lettre-acces-donnees.md",
            page_name="Lettre : demande d'accès aux données de l'enfant",
            name=_("Demander ce qui est enregistré sur votre enfant"),
            summary=_(
                "Une lettre à la direction de l'école ou à l'académie, qui demande les données enregistrées "
                "sur votre enfant dans le LSUN et les fichiers liés, qui peut les voir et combien de temps "
                "elles sont gardées."
            ),
        ),
        Letter(
            slug="motion-conseil-ecole",
            form_class=MotionForm,
            filename="motion-conseil-ecole.md",
            page_name="Lettre : motion pour le conseil d'école",
            name=_("Proposer une motion au conseil d'école"),
            summary=_(
                "Pour les représentant·e·s des parents : une motion à présenter au conseil d'école ou au "
                "conseil d'administration, qui demande d'être informé de ce que le LSUN enregistre et "
                "l'accord des parents avant toute mention facultative."
            ),
        ),
    ]
}
