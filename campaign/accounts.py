"""Accounts (django-allauth): by invitation only, two factors for everyone, mail through the outbox.

Every account on this site can read or publish for the campaign (staff and
organisations' editors; signers have no account), so every account must
enrol a second factor before doing anything else.
"""

import json
import re
import time
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AddWebAuthnForm as BaseAddWebAuthnForm
from django import template
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from campaign.client_ip import client_key
from campaign.outbox import queue_email
from campaign.site import absolute_url

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
# Where the person was going when enrolment interrupted them.
NEXT_SESSION_KEY = "campaign.accounts.after-enrolment"
# What an account without a second factor may still do: enrol, and leave.
ENROLMENT_VIEWS = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_reauthenticate",
    "mfa_reauthenticate_webauthn",
    "account_reauthenticate",
    "account_logout",
}


def has_second_factor(user):
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


class TwoFactorEnrolmentMiddleware:
    """Send every logged-in account without a second factor to enrolment, whatever page it asks for.

    Deny by default: a page added later (an editing page, an admin view) is
    protected without anyone remembering to protect it. Pages readers see
    without logging in are unaffected, since readers are not logged in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session, nobody logged in. Not even looking at request.user
            # keeps readers' pages free of "Vary: Cookie", hence cacheable.
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ENROLMENT_VIEWS:
            return None
        if has_second_factor(user):
            return None
        if request.method in ("GET", "HEAD"):
            request.session[NEXT_SESSION_KEY] = request.get_full_path()
        return redirect("mfa_index")


def after_enrolment_url(request):
    """Where to go once enrolled: the page enrolment interrupted, else the editor's space."""
    url = request.session.get(NEXT_SESSION_KEY, "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def admin_login(request):
    """/admin/login/: the admin's own login would skip two-factor authentication, so use allauth's."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect("admin:index")
        # An editor is logged in but the admin is for staff only.
        return render(request, "account/admin_forbidden.html", status=403)
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def on_site(url):
    """The same address on SITE_URL (``http://evil.example/compte/…`` → ``https://retrait-lsun.fr/compte/…``)."""
    parts = urlsplit(url)
    return absolute_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


class SiteOnUrl:
    """What allauth's email templates read of ``current_site`` (``name``, ``domain``), from SITE_URL."""

    def __init__(self):
        self.domain = self.name = urlsplit(settings.SITE_URL).netloc


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app, **kwargs):
        """No second password prompt for a first enrolment, in the minutes after logging in.

        allauth asks for the password again before adding a second factor;
        a person who has just chosen or typed it, and who can do nothing
        else until enrolled, would only be confused by it.
        """
        request = allauth_context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            logged_in_at = records[0]["at"] if records else 0
            if time.time() - logged_in_at < account_settings.REAUTHENTICATION_TIMEOUT:
                first = (
                    Authenticator.objects.filter(user_id=request.user.pk, type__in=SECOND_FACTORS)
                    .order_by("created_at")
                    .values_list("created_at", flat=True)
                    .first()
                )
                # Enrolling in this very session (the recovery codes page follows the activation).
                if first is None or first.timestamp() >= logged_in_at:
                    return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request):
        # allauth keys its rate limits on this: a keyed hash, never the address in clear.
        return client_key(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The "key" of failed passwords: this client network and this address together, never the address alone.

        allauth counts failed passwords per address by default: five wrong
        passwords from anywhere would lock the account for everyone. A
        password alone opens nothing here (the second factor is mandatory), so
        a stranger's failures must not lock the owner out; the second-factor
        step keeps its own per-account key (see ACCOUNT_RATE_LIMITS).
        """
        return f"{client_key(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"

    def get_reset_password_from_key_url(self, key):
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation):
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix, email, context):
        """allauth's messages (password reset, address confirmation) go through the outbox like every email.

        They name the site as SITE_URL does, never as the request's Host
        header says: a forged Host must not end up in a reset link.
        """
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": SiteOnUrl(), **context},
        )
        queue_email(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            to=email,
            template="campaign/emails/account_message",
            context={"subject": message.subject, "body": message.body},
            language=translation.get_language(),
        )


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url):
        # Drawn inline in the page: the CSP refuses data: images, and an
        # XML prologue has no place inside HTML.
        svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", super().build_totp_svg(url))
        return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" class="totp-qr" ', 1)

    def get_public_key_credential_rp_entity(self):
        # The name a browser shows when it asks for the key.
        return {**super().get_public_key_credential_rp_entity(), "name": self.get_totp_issuer()}

    def can_delete_authenticator(self, authenticator):
        """Two factors are mandatory: the last authenticator app or security key cannot be removed."""
        if authenticator.type not in SECOND_FACTORS:
            return True
        others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
        return others.exclude(pk=authenticator.pk).exists()


@login_required
@require_safe
def continue_after_enrolment(request):
    """The "Continue" button at the end of enrolment."""
    url = after_enrolment_url(request)
    request.session.pop(NEXT_SESSION_KEY, None)
    return redirect(url)


class AddWebAuthnForm(BaseAddWebAuthnForm):
    """allauth's form, with labels it leaves untranslated or unclear."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nom de la clé")
        self.fields["name"].help_text = _(
            "Pour la reconnaître plus tard, par exemple « Clé USB bleue » ou « Téléphone »."
        )
        if "passwordless" in self.fields:
            self.fields["passwordless"].label = _("Clé d'accès : se connecter avec cette seule clé, sans mot de passe")
            self.fields["passwordless"].help_text = _(
                "L'appareil demandera alors votre empreinte, votre visage ou un code à chaque connexion."
            )


# {% load accounts %} in the allauth templates the site overrides.
register = template.Library()


@register.filter
def json_attr(value):
    """JSON for a data-* attribute (autoescaping makes it attribute-safe): no inline script needed."""
    return json.dumps(value, cls=DjangoJSONEncoder)
