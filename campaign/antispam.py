"""Keeping robots out of public forms without a third-party captcha.

Quiet checks, invisible to people:
- a honeypot field, hidden from sighted users and screen readers, that
  robots filling every input get caught by;
- a signed stamp of when the form was shown, with a random number: a
  submission faster than a person could type, or a form older than
  MAX_FORM_AGE_SECONDS, is refused;
- each stamp is used once, and remembered with (a keyed hash of) the data it
  came with, in the cache every process shares. The same stamp with the same
  data again, once the view has recorded the first submission (a double
  click, a reloaded POST), is a replay: ``form.replayed`` is True and the view
  answers as it did the first time without doing anything again (no second
  email, no second count against the rate limit). The same stamp with other
  data (going back to sign for one's spouse, or a script replaying a stamp)
  is refused with a message, the input kept and a fresh stamp, so the second
  submission is one click away and is never silently lost.
"""

import json
import secrets
import time
from typing import Any, cast

from django import forms
from django.core import signing
from django.core.cache import cache
from django.core.files import File
from django.http import QueryDict
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

SALT = "campaign.antispam.form-timestamp"
MIN_FILL_SECONDS = 3
# Three hours: a parent interrupted (a meal, bedtime) still finds the form
# working within the evening, and after that the "expired" message costs one
# more click with everything kept; a stamp harvested by a script is useless
# after an afternoon, and only once.
MAX_FORM_AGE_SECONDS = 3 * 3600
# Appended to the recorded digest once the view has done what the submission asked.
DONE = ":done"


def form_timestamp(now=None):
    """A new stamp for a form shown at ``now``: the time and a random number, signed."""
    return _stamp(int(now if now is not None else time.time()))


def _stamp(shown_at):
    return signing.dumps([shown_at, secrets.token_urlsafe(12)], salt=SALT)


def _read_stamp(value):
    """(shown_at, number) of a valid stamp, else None."""
    try:
        stamp = signing.loads(value or "", salt=SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(stamp, list) and len(stamp) == 2):
        return None
    shown_at, number = stamp
    if type(shown_at) is not int or not isinstance(number, str):
        return None
    return shown_at, number


class HoneypotInput(forms.TextInput):
    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1"})


class AntiSpamFormMixin(forms.Form):
    """Add to a public form; the view passes nothing, the form does the rest.

    Templates render ``form.website_url`` inside ``<div class="hp" aria-hidden="true">``
    and ``form.shown_at`` as a hidden field (``{% include "campaign/_antispam.html" %}``).
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
        self._stamp = None
        self._stamp_record = None
        self.replayed = False
        # A redisplayed (bound) form keeps the time it was first shown.
        if not self.is_bound:
            self.initial["shown_at"] = form_timestamp()

    def _replace_stamp(self, stamp):
        # The redisplayed form carries this one instead of the one it came with.
        data = cast(QueryDict, self.data).copy()
        data[self.add_prefix("shown_at")] = stamp
        self.data = data

    def _restart_clock(self):
        # Otherwise a redisplayed form would carry the bad stamp for ever.
        self._replace_stamp(form_timestamp())

    def clean(self):
        cleaned = cast(dict[str, Any], super().clean())
        if cleaned.get("website_url"):
            raise forms.ValidationError(
                _("Votre envoi ressemble à celui d'un robot. Si vous êtes une personne, réessayez."), code="honeypot"
            )
        stamp = _read_stamp(cleaned.get("shown_at"))
        if stamp is None or time.time() - stamp[0] > MAX_FORM_AGE_SECONDS:
            self._restart_clock()
            raise forms.ValidationError(
                _("Le formulaire a expiré. Vérifiez vos informations et renvoyez-le."), code="expired"
            )
        elapsed = time.time() - stamp[0]
        if elapsed < self.min_fill_seconds:
            raise forms.ValidationError(
                _(
                    "Formulaire envoyé trop vite. Prenez quelques secondes pour vérifier vos informations, "
                    "puis renvoyez-le."
                ),
                code="too_fast",
            )
        self._stamp = stamp
        return cleaned

    def full_clean(self):
        super().full_clean()
        # Only a submission valid in every other way uses its stamp: one with a
        # mistake in a field comes back with the same stamp, still unused.
        if self._stamp is not None and not self.errors:
            self._use_stamp(*self._stamp)

    def _data_digest(self):
        """A keyed hash of what was submitted (files by name and size): no personal data kept in clear."""
        submitted = {name: self[name].data for name in self.fields if name not in ("shown_at", "website_url")}

        def plain(value):
            if isinstance(value, File):
                return [value.name, value.size]
            return value if isinstance(value, (str, bool, type(None))) else str(value)

        payload = json.dumps(submitted, sort_keys=True, default=plain, ensure_ascii=False)
        return salted_hmac(SALT, payload.encode("utf-8", "surrogatepass"), algorithm="sha256").hexdigest()

    def _use_stamp(self, shown_at, number):
        key = f"antispam:stamp:{number}"
        digest = self._data_digest()
        # Remembered as long as the stamp could pass the age check.
        lifetime = max(1, int(MAX_FORM_AGE_SECONDS - (time.time() - shown_at)) + 1)
        if not cache.add(key, digest, timeout=lifetime):
            recorded = cache.get(key)
            if recorded == digest + DONE:
                self.replayed = True
                return
            if recorded != digest:
                self._reject_reused(shown_at)
                return
            # The same data, not recorded as done: the first submission was
            # refused by the view (rate limit, name taken) or is still running;
            # this one is tried as a new one.
        self._stamp_record = (key, digest, lifetime)
        # Used: if the view refuses the submission after all (too many from
        # this network, a name already taken), the form shown again carries an
        # unused stamp, with the same time, so that sending it again just works.
        self._replace_stamp(_stamp(shown_at))

    def mark_done(self):
        """The view has recorded this submission: the same stamp and data again is a replay of it."""
        if self._stamp_record is not None:
            key, digest, lifetime = self._stamp_record
            cache.set(key, digest + DONE, timeout=lifetime)

    def _reject_reused(self, shown_at):
        self._replace_stamp(_stamp(shown_at))
        self.add_error(
            None,
            forms.ValidationError(
                _(
                    "Ce formulaire vient d'être envoyé avec d'autres informations. Pour envoyer aussi celles "
                    "ci-dessous, vérifiez-les et renvoyez le formulaire."
                ),
                code="reused",
            ),
        )
