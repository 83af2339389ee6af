import itertools
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign import forms as campaign_forms
from campaign.antispam import AntiSpamFormMixin
from campaign.departements import ABROAD, departement_from_postcode
from campaign.forms import MAX_LENGTH_MESSAGE, BoundedFormMixin
from organisations.models import Organisation
from organisations.sharing import approved_organisation
from petitions.addresses import normalise_email
from petitions.models import EMAIL_MAX_LENGTH, Signature

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise as _StrPromise

# What ends a domain name often found in spam ("exemple.fr"): after a dot, a word
# that is one of these makes the text a link, not a name.
LINK_ENDINGS = frozenset(
    "com net org fr eu info biz io ru cn xyz top site online shop click link ly me co de uk be ch us app dev".split()  # noqa: SIM905
)
LONGEST_LINK_ENDING = max(map(len, LINK_ENDINGS))
DOMAIN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# What a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def _leading_word(text: str, limit: int) -> str:
    """The letters, digits and underscores ``text`` starts with, looking at ``limit`` characters at most."""
    for index, char in enumerate(text[:limit]):
        if not (char.isalnum() or char == "_"):
            return text[:index]
    return text[:limit]


def looks_like_link(value: str) -> bool:
    """A scheme ("https://"), "www.", or a word ending like a domain name ("exemple.fr").

    Plain string operations looking at each character a bounded number of
    times. The regular expression this replaces was searched from every
    position and rescanned each run of letters: 35 s for 100,000 characters.
    """
    lowered = value.lower()
    if "://" in lowered or "www." in lowered:
        return True
    for before, after in itertools.pairwise(lowered.split(".")):
        # One character past the longest ending tells "exemple.com" from "exemple.commune".
        if before[-1:] in DOMAIN_CHARACTERS and _leading_word(after, LONGEST_LINK_ENDING + 1) in LINK_ENDINGS:
            return True
    return False


class NameField(campaign_forms.NameField):
    """A first or last name: any script, accents, apostrophes, hyphens; no link, no formula, nothing invisible."""

    def __init__(self, *, autocomplete: str, required_message: "str | _StrPromise", **kwargs: Any) -> None:
        super().__init__(
            max_length=100,
            widget=forms.TextInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
            error_messages={"required": required_message, "max_length": MAX_LENGTH_MESSAGE},
            **kwargs,
        )

    def validate(self, value: str) -> None:
        super().validate(value)
        if not value:
            return
        if value.startswith(FORMULA_START):
            raise forms.ValidationError(
                _("Le nom ne peut pas commencer par =, +, - ou @."),
                code="formula",
            )
        if "@" in value or looks_like_link(value):
            raise forms.ValidationError(
                _("Indiquez seulement votre nom, sans lien ni adresse e-mail."),
                code="link",
            )
        if not any(char.isalpha() for char in value):
            raise forms.ValidationError(_("Écrivez votre nom en lettres."), code="no_letter")


class SignatureForm(BoundedFormMixin, AntiSpamFormMixin, forms.Form):
    first_name = NameField(
        label=_("Prénom"),
        autocomplete="given-name",
        required_message=_("Indiquez votre prénom."),
    )
    last_name = NameField(
        label=pgettext_lazy("family name", "Nom"),
        autocomplete="family-name",
        required_message=_("Indiquez votre nom."),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Pour confirmer votre signature. Elle n'est jamais publiée ni transmise."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": _("Indiquez votre adresse e-mail."),
            "invalid": _("Cette adresse e-mail n'est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr)."),
            "max_length": MAX_LENGTH_MESSAGE,
        },
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        required=False,
        max_length=12,
        help_text=_("Il sert seulement à compter les signatures par département."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "size": "6"}),
        error_messages={"max_length": _("Un code postal a 5 chiffres, par exemple 75011.")},
    )
    abroad = forms.BooleanField(label=_("J'habite hors de France"), required=False)
    role = forms.ChoiceField(
        label=_("Vous signez en tant que"),
        choices=Signature.Role.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Indiquez à quel titre vous signez."),
            "invalid_choice": _("Choisissez l'une des qualités proposées."),
        },
    )
    show_name = forms.BooleanField(
        label=_("Afficher mon nom dans la liste publique des signataires"),
        help_text=_(
            "Votre prénom, l'initiale de votre nom et votre département. La liste se consulte sur ce site ; "
            "elle n'est pas indexée par les moteurs de recherche."
        ),
        required=False,
    )
    wants_news = forms.BooleanField(
        label=_("Recevoir par e-mail les actualités de la campagne"),
        help_text=_("Quelques messages au plus ; chacun permet de se désabonner."),
        required=False,
    )
    # The organisation whose link (/s/<slug>/) brought the signer: carried by
    # the form, never by a cookie. Anything but an approved organisation's
    # slug is ignored without a word: the signature counts all the same.
    via = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        # Lower-casing can lengthen some letters ("İ"): the normalised form must fit too.
        if len(normalise_email(email)) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("Cette adresse e-mail n'est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr)."),
                code="invalid",
            )
        return email

    def clean_via(self) -> int | None:
        organisation = approved_organisation(self.cleaned_data["via"])
        return organisation.pk if organisation is not None else None

    @property
    def via_organisation(self) -> Organisation | None:
        """The approved organisation the form carries, for the sentence that tells the signer."""
        return approved_organisation(self["via"].value() or "")

    def clean_postcode(self) -> str:
        # "75 011", "75011 " and a non-breaking space are all 75011.
        return "".join(self.cleaned_data["postcode"].split())

    def clean(self) -> dict[str, Any] | None:
        self._clean_location()
        return super().clean()

    def _clean_location(self) -> None:
        if self.cleaned_data.get("abroad"):
            # Nothing more than we need: no postcode is kept for a signer abroad.
            self.cleaned_data["postcode"] = ""
            self.cleaned_data["departement"] = ABROAD
            return
        if "postcode" not in self.cleaned_data:
            return
        postcode = self.cleaned_data["postcode"]
        if not postcode:
            self.add_error("postcode", _("Indiquez votre code postal, ou cochez « J'habite hors de France »."))
        elif not re.fullmatch(r"[0-9]{5}", postcode):
            self.add_error(
                "postcode",
                _(
                    "Un code postal a 5 chiffres, par exemple 75011. "
                    "Hors de France, cochez « J'habite hors de France »."
                ),
            )
        else:
            departement = departement_from_postcode(postcode)
            if departement is None:
                self.add_error(
                    "postcode",
                    _(
                        "Ce code postal ne correspond à aucun lieu en France. Vérifiez-le, "
                        "ou cochez « J'habite hors de France »."
                    ),
                )
            else:
                self.cleaned_data["departement"] = departement

    def signature_data(self) -> dict[str, Any]:
        """The cleaned fields, as Signature's fields."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "postcode": data["postcode"],
            "departement": data["departement"],
            "role": data["role"],
            "show_name": data["show_name"],
            "wants_news": data["wants_news"],
            "via_id": data.get("via"),
        }
