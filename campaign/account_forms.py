"""allauth's forms that anyone can post (logging in, resetting a password, second factors), bounded.

The same forms, with every field's length checked before anything else
(``campaign.forms.BoundedFormMixin``). Wired by ``ACCOUNT_FORMS`` and
``MFA_FORMS`` in the settings.
"""

from typing import Any

from allauth.account import forms as account_forms
from allauth.core import context
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.mfa.utils import decrypt
from allauth.mfa.webauthn import forms as webauthn_forms
from django.core.exceptions import ValidationError
from fido2.webauthn import AuthenticationResponse

from campaign.accounts import why_code_refused
from campaign.forms import BoundedFormMixin

EMAIL_MAX_LENGTH = 254  # what an address can be (RFC 5321 path limit)
# Django refused longer passwords for years (CVE-2013-1443); no person or
# password manager types more, and hashing stays cheap below it.
PASSWORD_MAX_LENGTH = 4096
# A one-time code or a recovery code is a few characters.
CODE_MAX_LENGTH = 64
# The code field on a phone: the digits keypad, and the code the phone may
# offer to fill in. The forms are ``novalidate``: ``pattern`` only picks the
# keypad, so "123 456" typed as an app shows it is still accepted.
CODE_INPUT_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
# A security key's signed answer is about one kilobyte of JSON; this bound also
# keeps its nesting well below what Python's JSON parser can follow.
CREDENTIAL_MAX_LENGTH = 8192


class LoginForm(BoundedFormMixin, account_forms.LoginForm):
    max_lengths = {"login": EMAIL_MAX_LENGTH, "password": PASSWORD_MAX_LENGTH}


class ResetPasswordForm(BoundedFormMixin, account_forms.ResetPasswordForm):
    max_lengths = {"email": EMAIL_MAX_LENGTH}


class ResetPasswordKeyForm(BoundedFormMixin, account_forms.ResetPasswordKeyForm):
    max_lengths = {"password1": PASSWORD_MAX_LENGTH, "password2": PASSWORD_MAX_LENGTH}


class UserTokenForm(BoundedFormMixin, account_forms.UserTokenForm):
    pass


class ReauthenticateForm(BoundedFormMixin, account_forms.ReauthenticateForm):
    max_lengths = {"password": PASSWORD_MAX_LENGTH}


class CodeMixin(BoundedFormMixin):
    """A one-time code field: bounded, with the phone's digits keypad, and a refusal that says why."""

    max_lengths = {"code": CODE_MAX_LENGTH}
    wrong_code = "wrong_code"
    # Set by allauth's forms, which this is mixed into (untyped: mypy cannot see it).
    user: Any

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(CODE_INPUT_ATTRS)

    def clean_code(self):
        try:
            # Mixed into allauth's code forms only, which define clean_code (untyped: mypy cannot see it).
            return super().clean_code()  # type: ignore[misc]
        except ValidationError as error:
            if error.code != "incorrect_code":
                raise
            reason = why_code_refused(self.cleaned_data["code"], **self.code_sources())
            raise get_mfa_adapter().validation_error(self.wrong_code if reason == "wrong_code" else reason) from None

    def code_sources(self):
        """What the code may have come from: the account's authenticator app and recovery codes."""
        totp_secrets: list[str] = []
        recovery_codes = None
        for authenticator in Authenticator.objects.filter(user_id=self.user.pk):
            if authenticator.type == Authenticator.Type.TOTP:
                totp_secrets.append(decrypt(authenticator.data["secret"]))
            elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
                recovery_codes = authenticator.wrap()
        return {"totp_secrets": totp_secrets, "recovery_codes": recovery_codes}


class AuthenticateForm(CodeMixin, mfa_forms.AuthenticateForm):
    pass


class MFAReauthenticateForm(CodeMixin, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(CodeMixin, totp_forms.ActivateTOTPForm):
    """allauth's activation form, whose key survives reloads and the back button.

    allauth keeps the key waiting for its first code in the session
    (``mfa.totp.secret``), but draws a new one each time the form is built
    unbound, that is on every GET of the page (``get_totp_secret(regenerate=not
    self.is_bound)``): scanning the code, then reloading or coming back to the
    page, made every code "incorrect". Here the waiting key is kept until
    enrolment succeeds (allauth then clears it) or is cancelled
    (``campaign.accounts.cancel_totp_activation``).
    """

    wrong_code = "wrong_activation_code"

    def __init__(self, *args, **kwargs):
        pending = context.request.session.get(SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if pending and not self.is_bound:
            self.secret = context.request.session[SECRET_SESSION_KEY] = pending

    def code_sources(self):
        return {"totp_secrets": [self.secret]}


class CredentialMixin(BoundedFormMixin):
    max_lengths = {"credential": CREDENTIAL_MAX_LENGTH}

    def clean_credential(self):
        # allauth turns the parser's TypeError and ValueError into "incorrect code", but
        # not the KeyError of an "id" without "rawId": a 500 for anyone posting one.
        try:
            AuthenticationResponse.from_dict(self.cleaned_data["credential"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise get_mfa_adapter().validation_error("incorrect_code") from None
        # Mixed into allauth's WebAuthn forms only, which define clean_credential (untyped: mypy cannot see it).
        return super().clean_credential()  # type: ignore[misc]


class LoginWebAuthnForm(CredentialMixin, webauthn_forms.LoginWebAuthnForm):
    pass


class AuthenticateWebAuthnForm(CredentialMixin, webauthn_forms.AuthenticateWebAuthnForm):
    pass


class ReauthenticateWebAuthnForm(CredentialMixin, webauthn_forms.ReauthenticateWebAuthnForm):
    pass
