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
from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import clear_totp_secret, format_hotp_value, hotp_value
from allauth.mfa.webauthn.forms import AddWebAuthnForm as BaseAddWebAuthnForm
from django import template
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from campaign import emails
from campaign.client_ip import client_key
from campaign.outbox import queue
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
    "account_cancel_totp",
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
    """What allauth's templates read of ``current_site``: the campaign's name, and SITE_URL's host."""

    def __init__(self):
        self.name = _("Appel pour le retrait du LSUN")
        self.domain = urlsplit(settings.SITE_URL).netloc


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
        header says: a forged Host must not end up in a reset link. Their
        texts (templates/account/email/) speak as the campaign's other emails.
        """
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": SiteOnUrl(),
                "site_url": settings.SITE_URL,
                "link_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
                **context,
            },
        )
        # allauth renders its own text (with the link's one-time key): the row carries it, the worker lays it out.
        queue(
            emails.ACCOUNT_MESSAGE,
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            to=email,
            params={"subject": message.subject, "body": message.body},
            language=translation.get_language(),
        )


# A refused code is compared with the codes of the steps this far either side of
# now (30 s each): ten minutes covers a code read, then typed after a pause, and
# a phone whose clock is a few minutes off. Beyond, it is simply a wrong code.
CODE_DIAGNOSIS_STEPS = 20


def why_code_refused(code, *, totp_secrets=(), recovery_codes=None):
    """Why allauth refused a second-factor code, as a key of ``MFAAdapter.error_messages``.

    allauth says "Incorrect code." for a typo, a code already used and a code
    whose 30 seconds are over alike, and people cannot tell what to do.
    Called only after allauth's check (and its rate limit) refused the code:
    it admits nothing, it only names the reason.
    """
    now = int(time.time()) // mfa_settings.TOTP_PERIOD
    for secret in totp_secrets:
        for step in range(now - CODE_DIAGNOSIS_STEPS, now + CODE_DIAGNOSIS_STEPS + 1):
            if compare_user_code(actual=code, expected=format_hotp_value(hotp_value(secret, step))):
                if abs(step - now) <= mfa_settings.TOTP_TOLERANCE:
                    return "code_used"  # right and current, yet refused: allauth saw it already
                return "code_expired" if step < now else "code_early"
    if recovery_codes is not None:
        used = set(recovery_codes.generate_codes()) - set(recovery_codes.get_unused_codes())
        if any(compare_user_code(actual=code, expected=value) for value in used):
            return "recovery_code_used"
    return "wrong_code"


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Why a code was refused (why_code_refused); allauth's "incorrect_code"
        # remains for a security key's refused answer.
        "wrong_code": _(
            "Code incorrect : ce n'est ni le code que votre application affiche pour ce compte, ni l'un de vos "
            "codes de secours. Vérifiez le compte choisi dans l'application et recopiez ses 6 chiffres."
        ),
        "wrong_activation_code": _(
            "Code incorrect : il ne vient pas de la clé de cette page. Vérifiez que l'application a bien ajouté "
            "cette clé (code QR, lien ou clé à saisir), puis recopiez les 6 chiffres qu'elle affiche."
        ),
        "code_used": _(
            "Ce code a déjà servi : chaque code ne sert qu'une fois. Attendez que l'application en affiche "
            "un nouveau (ils changent toutes les 30 secondes) et saisissez-le."
        ),
        "code_expired": _(
            "Ce code a expiré : les codes changent toutes les 30 secondes. Saisissez celui que l'application "
            "affiche maintenant ; s'il est refusé aussi, réglez votre téléphone sur l'heure automatique."
        ),
        "code_early": _(
            "Ce code n'est pas encore valable : l'horloge de votre téléphone est en avance. Réglez-le sur "
            "l'heure automatique, puis saisissez le code affiché."
        ),
        "recovery_code_used": _(
            "Ce code de secours a déjà servi : chacun ne sert qu'une fois. Prenez-en un autre dans votre liste."
        ),
    }

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
@require_POST
def cancel_totp_activation(request):
    """Give up the key the activation page shows; the next visit draws a new one.

    The key waiting for its first code is kept in the session (allauth's
    ``mfa.totp.secret``) across reloads and back buttons, until enrolment
    succeeds or this button is pressed.
    """
    clear_totp_secret(request)
    messages.info(
        request,
        _(
            "Activation annulée : la clé affichée ne servira pas. Si votre application l'avait déjà ajoutée, "
            "supprimez-la de l'application."
        ),
    )
    return redirect("mfa_index")


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


@register.filter
def key_groups(value):
    """A secret key in groups of four characters, easier to read and to type (``ABCDEFGH`` → ``[ABCD, EFGH]``)."""
    return [value[start : start + 4] for start in range(0, len(value), 4)]
