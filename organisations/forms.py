from typing import Any, cast

from django import forms
from django.core.validators import URLValidator
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from campaign.antispam import AntiSpamFormMixin
from campaign.departements import departement_label
from campaign.forms import BoundedFormMixin, NameField
from campaign.images import CleanImage, ImageUploadField
from organisations import services
from organisations.models import (
    PAPER_BATCH_MAX,
    PAPER_BATCH_MAX_LINES,
    PAPER_BATCH_MIN,
    PAPER_DEPARTEMENTS,
    Organisation,
)
from organisations.scopes import scope_choices

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 400
# A cell starting with one of these becomes a formula in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@")
NAME_TAKEN = _(
    "Une organisation de ce nom (sans tenir compte des majuscules, des accents ni des espaces) "
    "a déjà signé l'appel ou attend la validation de sa demande."
)


WEBSITE_INVALID = _("Indiquez l'adresse d'un site web, commençant par http:// ou https://.")


class HttpURLField(forms.URLField):
    """A website address: http or https only (never ``javascript:``, ``data:``, ``ftp:``…)."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": WEBSITE_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "url")


def check_plain_text(value: str) -> None:
    if value.startswith(FORMULA_PREFIXES):
        raise forms.ValidationError(
            _("Ce texte ne peut pas commencer par =, +, - ou @."),
            code="formula",
        )


def check_organisation_name(value: str) -> None:
    check_plain_text(value)
    # The name key (petitions_normalised_name, which a check constraint wants
    # non-empty) keeps letters and digits only: "_" is punctuation to it.
    if not any(char.isalnum() for char in value):
        raise forms.ValidationError(_("Le nom doit contenir au moins une lettre ou un chiffre."), code="no_letter")


class JoinForm(BoundedFormMixin, AntiSpamFormMixin, forms.Form):
    """An organisation asks to co-sign the appeal."""

    name = NameField(
        label=_("Nom de l'organisation"),
        max_length=200,
        validators=[check_organisation_name],
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    short_name = NameField(
        label=_("Sigle ou nom court (facultatif)"),
        max_length=50,
        required=False,
        validators=[check_plain_text],
        help_text=_("Par exemple « SUD éducation 38 »."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Type d'organisation"),
        choices=Organisation.Kind.choices,
        widget=forms.RadioSelect,
    )
    scope = forms.ChoiceField(
        label=_("Périmètre d'action"),
        choices=scope_choices,
        initial="national",
        help_text=_("National, ou le département où l'organisation agit."),
    )
    website = HttpURLField(
        label=_("Site web (facultatif)"), required=False, help_text=_("Par exemple https://exemple.fr")
    )
    description = forms.CharField(
        label=_("Présentation courte (facultative)"),
        max_length=1000,
        required=False,
        validators=[check_plain_text],
        help_text=_("Publiée sur la page de l'organisation. 1 000 caractères au plus."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    logo = ImageUploadField(
        label=_("Logo (facultatif)"),
        required=False,
        max_bytes=LOGO_MAX_BYTES,
        max_side=LOGO_MAX_SIDE,
        help_text=_("PNG, JPEG ou WebP, 2 Mo au plus. Il sera réduit à 400 pixels de côté au plus."),
    )
    contact_name = NameField(
        label=_("Votre nom"),
        max_length=150,
        validators=[check_plain_text],
        help_text=_("La personne à qui l'équipe répond. Jamais publié."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("Un lien de confirmation y sera envoyé. Jamais publiée."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label=_("Message à l'équipe (facultatif)"),
        max_length=2000,
        required=False,
        help_text=_("Non publié."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que mon nom et mon adresse e-mail servent à l'équipe de la campagne pour traiter cette "
            "demande puis, si elle est acceptée, pour gérer le compte de l'organisation."
        ),
        error_messages={"required": _("Cochez cette case pour que nous puissions traiter la demande.")},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if services.name_is_taken(name):
            raise forms.ValidationError(NAME_TAKEN, code="taken")
        return name

    @property
    def logo_to_choose_again(self) -> bool:
        """A file input cannot be refilled: say so when the logo was fine but another field was not."""
        return self.is_bound and bool(self.errors) and "logo" not in self.errors and bool(self.files.get("logo"))

    def request_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "short_name": data["short_name"],
            "kind": data["kind"],
            "scope": data["scope"],
            "website": data["website"],
            "description": data["description"].strip(),
            "contact_name": data["contact_name"],
            "contact_email": data["contact_email"],
            "logo": data["logo"] or None,
            "message": data["message"].strip(),
        }


class ProfileForm(BoundedFormMixin, forms.ModelForm):
    """The public profile an editor may change (not the name, the status or the contact)."""

    website = HttpURLField(label=_("Site web"), required=False, help_text=_("Par exemple https://exemple.fr"))
    new_logo = ImageUploadField(
        label=_("Nouveau logo"),
        required=False,
        max_bytes=LOGO_MAX_BYTES,
        max_side=LOGO_MAX_SIDE,
        help_text=_("PNG, JPEG ou WebP, 2 Mo au plus. Il sera réduit à 400 pixels de côté au plus."),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)

    max_lengths = {"description": 1000}

    class Meta:
        model = Organisation
        fields = ["short_name", "kind", "scope", "website", "description", "logo_alt"]
        labels = {"short_name": _("Sigle ou nom court"), "kind": _("Type d'organisation")}
        widgets = {"kind": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 6})}
        field_classes = {"short_name": NameField}
        help_texts = {"description": _("Publiée sur la page de l'organisation. 1 000 caractères au plus.")}

    instance: Organisation

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].validators.append(check_plain_text)
        self.fields["short_name"].validators.append(check_plain_text)
        cast(forms.ChoiceField, self.fields["kind"]).choices = Organisation.Kind.choices
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def save(self, commit: bool = True) -> Organisation:
        organisation = super().save(commit=False)
        if isinstance(self.cleaned_data.get("new_logo"), CleanImage):
            services.set_logo(organisation, self.cleaned_data["new_logo"])
        elif self.cleaned_data.get("remove_logo"):
            services.set_logo(organisation, None)
        if commit:
            organisation.save()
        return organisation


class RefuseForm(BoundedFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        help_text=_("Envoyé tel quel à la personne de contact."),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
    )


class InviteForm(BoundedFormMixin, forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    full_name = NameField(label=_("Nom"), max_length=150, required=False)


# --- Paper signatures -------------------------------------------------------

PAPER_ROWS_STEP = 5


def paper_departement_choices() -> list[tuple[str, Any]]:
    return [("", _("— Choisir —")), *((code, departement_label(code)) for code in PAPER_DEPARTEMENTS)]


class PaperBatchForm(BoundedFormMixin, AntiSpamFormMixin, forms.Form):
    """A batch of paper signatures: the date, then one row per département (never a name).

    Starts with PAPER_ROWS_STEP rows; the "more rows" button shows the form
    again with more, everything typed kept, up to PAPER_BATCH_MAX_LINES.
    """

    # Editors are signed-in, two-factor accounts: no typing-speed check, but
    # the stamp still makes a double click or a reload record one batch.
    min_fill_seconds = 0

    collected_on = forms.DateField(
        label=_("Date de la collecte"),
        help_text=_("Le jour où les feuilles ont été signées (le dernier, si la collecte a duré plusieurs jours)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Indiquez une date, par exemple 21/11/2026.")},
    )
    note = forms.CharField(
        label=_("Remarque (facultatif)"),
        help_text=_("Pour l'équipe de la campagne : où et comment les signatures ont été recueillies. Aucun nom."),
        required=False,
        max_length=1000,
        validators=[check_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_count = self._requested_rows()
        self.fields["rows"].initial = self.row_count
        for number in range(1, self.row_count + 1):
            self.fields[f"departement_{number}"] = forms.ChoiceField(
                label=format_lazy(_("Département (ligne {number})"), number=number),
                choices=paper_departement_choices,
                required=False,
                help_text=_("« Étranger » pour les adresses hors de France.") if number == 1 else "",
            )
            self.fields[f"signatures_{number}"] = forms.IntegerField(
                label=format_lazy(_("Signatures (ligne {number})"), number=number),
                required=False,
                min_value=PAPER_BATCH_MIN,
                max_value=PAPER_BATCH_MAX,
                error_messages={
                    "invalid": _("Indiquez un nombre entier, par exemple 12."),
                    "min_value": _("Indiquez au moins 1, ou laissez la ligne vide."),
                    "max_value": _("Un lot compte au plus 2 000 signatures."),
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        if self.is_bound and "more" in self.data and self.row_count < PAPER_BATCH_MAX_LINES:
            self.adding_rows = True
        else:
            self.adding_rows = False

    def _requested_rows(self) -> int:
        wanted = PAPER_ROWS_STEP
        if self.is_bound:
            try:
                wanted = int(self.data.get(self.add_prefix("rows")) or PAPER_ROWS_STEP)
            except (TypeError, ValueError):
                wanted = PAPER_ROWS_STEP
            if "more" in self.data:
                wanted += PAPER_ROWS_STEP
        return max(PAPER_ROWS_STEP, min(wanted, PAPER_BATCH_MAX_LINES))

    def line_fields(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (number, self[f"departement_{number}"], self[f"signatures_{number}"])
            for number in range(1, self.row_count + 1)
        ]

    def clean_collected_on(self) -> Any:
        collected_on = self.cleaned_data["collected_on"]
        if collected_on > timezone.localdate():
            raise forms.ValidationError(_("La date de la collecte ne peut pas être dans le futur."), code="future")
        return collected_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        counts: dict[str, int] = {}
        for number in range(1, self.row_count + 1):
            code = cleaned.get(f"departement_{number}")
            signatures = cleaned.get(f"signatures_{number}")
            if f"signatures_{number}" in self.errors:
                continue
            if code and signatures is None:
                self.add_error(f"signatures_{number}", _("Indiquez le nombre de signatures de ce département."))
            elif signatures is not None and not code:
                self.add_error(f"departement_{number}", _("Choisissez le département de ces signatures."))
            elif code and code in counts:
                self.add_error(
                    f"departement_{number}",
                    _("Ce département figure déjà sur une ligne plus haut : additionnez les deux nombres."),
                )
            elif code and signatures is not None:
                counts[code] = signatures
        total = sum(counts.values())
        if not self.errors and not counts:
            raise forms.ValidationError(
                _("Indiquez au moins un département et son nombre de signatures."), code="empty"
            )
        if total > PAPER_BATCH_MAX:
            raise forms.ValidationError(
                _("Un lot compte au plus 2 000 signatures (ici %(total)s) : saisissez les autres dans un second lot.")
                % {"total": total},
                code="too_many",
            )
        self.counts = counts
        return cleaned

    def full_clean(self) -> None:
        if getattr(self, "adding_rows", False):
            # Showing more rows is not a submission: nothing is checked, nothing is lost.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()


class StaffPaperBatchForm(PaperBatchForm):
    """Staff enter a batch for any approved organisation."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.approved().order_by("name")
    )
    field_order = ["organisation", "collected_on"]


class PaperDecisionForm(BoundedFormMixin, forms.Form):
    """Staff's reason for refusing or withdrawing a batch, sent as is to the organisation's editors."""

    reason = forms.CharField(
        label=_("Motif"),
        max_length=2000,
        help_text=_("Envoyé tel quel aux rédacteurs et rédactrices de l'organisation."),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
    )
