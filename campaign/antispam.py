"""Keeping robots out of public forms without a third-party captcha.

Two quiet checks, invisible to people:
- a honeypot field, hidden from sighted users and screen readers, that
  robots filling every input get caught by;
- a signed timestamp of when the form was shown: a submission faster than a
  person could type, or a form older than a day, is refused.
"""

import time

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

SALT = "campaign.antispam.form-timestamp"
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 24 * 3600


def form_timestamp(now=None):
    return signing.dumps(int(now if now is not None else time.time()), salt=SALT)


class HoneypotInput(forms.TextInput):
    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1"})


class AntiSpamFormMixin(forms.Form):
    """Add to a public form; the view passes nothing, the form does the rest.

    Templates render ``form.website_url`` inside ``<div class="hp" aria-hidden="true">``
    and ``form.shown_at`` as a hidden field (``{% include "forms/_antispam.html" %}``).
    """

    website_url = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=HoneypotInput(),
    )
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False)

    min_fill_seconds = MIN_FILL_SECONDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A redisplayed (bound) form keeps the time it was first shown.
        if not self.is_bound:
            self.initial["shown_at"] = form_timestamp()

    def _restart_clock(self):
        # Otherwise a redisplayed form would carry the bad stamp for ever.
        self.data = self.data.copy()
        self.data[self.add_prefix("shown_at")] = form_timestamp()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website_url"):
            raise forms.ValidationError(
                _("Votre envoi ressemble à celui d'un robot. Si vous êtes une personne, réessayez."), code="honeypot"
            )
        try:
            shown_at = signing.loads(cleaned.get("shown_at") or "", salt=SALT)
        except signing.BadSignature:
            shown_at = None
        if not isinstance(shown_at, int) or time.time() - shown_at > MAX_FORM_AGE_SECONDS:
            self._restart_clock()
            raise forms.ValidationError(
                _("Le formulaire a expiré. Vérifiez vos informations et renvoyez-le."), code="expired"
            )
        elapsed = time.time() - shown_at
        if elapsed < self.min_fill_seconds:
            raise forms.ValidationError(
                _(
                    "Formulaire envoyé trop vite. Prenez quelques secondes pour vérifier vos informations, "
                    "puis renvoyez-le."
                ),
                code="too_fast",
            )
        return cleaned
