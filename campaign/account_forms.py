"""allauth's forms that anyone can post (logging in, resetting a password, second factors), bounded.

The same forms, with every field's length checked before anything else
(``campaign.forms.BoundedFormMixin``). Wired by ``ACCOUNT_FORMS`` and
``MFA_FORMS`` in the settings.
"""

from allauth.account import forms as account_forms
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from fido2.webauthn import AuthenticationResponse

from campaign.forms import BoundedFormMixin

EMAIL_MAX_LENGTH = 254  # what an address can be (RFC 5321 path limit)
# Django refused longer passwords for years (CVE-2013-1443); no person or
# password manager types more, and hashing stays cheap below it.
PASSWORD_MAX_LENGTH = 4096
# A one-time code or a recovery code is a few characters.
CODE_MAX_LENGTH = 64
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


class AuthenticateForm(BoundedFormMixin, mfa_forms.AuthenticateForm):
    max_lengths = {"code": CODE_MAX_LENGTH}


class MFAReauthenticateForm(BoundedFormMixin, mfa_forms.ReauthenticateForm):
    max_lengths = {"code": CODE_MAX_LENGTH}


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
