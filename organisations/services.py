"""What happens to an organisation: it applies, confirms its contact, is approved or refused, edits its profile.

Every function that changes state runs in one transaction with the emails it
causes (``campaign.outbox.queue``): a rolled-back change sends nothing. The
emails are rendered when the worker sends them (organisations/emails.py).
"""

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from campaign import ratelimit
from campaign.db import violated_constraint
from campaign.images import CleanImage
from campaign.links import ExpiredLink, InvalidLink
from campaign.models import User
from campaign.outbox import queue
from campaign.site import absolute_url
from campaign.slugs import save_with_unique_slug
from organisations import emails
from organisations.models import Membership, Organisation

# Named when organisations were part of the petition app: the links already emailed carry it.
CONFIRM_SALT = "petitions.organisations.confirm-contact"
NAME_CONSTRAINT = "petitions_organisation_unique_name"
# The column's UNIQUE, named by PostgreSQL's rule (<table>_<column>_key).
SLUG_CONSTRAINT = "petitions_organisation_slug_key"
# Addresses under /organisations/ that are pages, not organisations.
RESERVED_SLUGS = {"rejoindre"}


class NameTaken(Exception):
    """Another organisation with this name is already a signatory or awaits moderation."""


def in_site_language[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` in the site's language: emails sent on staff's decisions are French, links included."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper


# --- Joining ----------------------------------------------------------------


def name_is_taken(name: str, *, exclude: Organisation | None = None) -> bool:
    taken = Organisation.objects.holding_name().with_name_like(name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return taken.exists()


def slug_base(organisation: Organisation) -> str:
    return slugify(organisation.short_name or organisation.name)[:70].strip("-") or "organisation"


def set_logo(organisation: Organisation, image: CleanImage | None) -> None:
    """Store a cleaned logo (``campaign.images.CleanImage``), or remove the logo when ``image`` is None.

    The replaced file is deleted once the transaction commits.
    """
    old = organisation.logo.name if organisation.logo else ""
    if image is None:
        organisation.logo = ""
        organisation.logo_width = organisation.logo_height = None
    else:
        organisation.logo.save(image.name, image.file, save=False)
        organisation.logo_width, organisation.logo_height = image.width, image.height
    if old and old != organisation.logo.name:
        storage = organisation.logo.storage
        transaction.on_commit(lambda: storage.delete(old))


def confirmation_token(organisation: Organisation) -> str:
    return signing.dumps({"o": organisation.pk, "e": organisation.contact_email.lower()}, salt=CONFIRM_SALT)


def organisation_from_token(token: str) -> Organisation:
    """The organisation whose contact ``token`` confirms; raises ExpiredLink or InvalidLink."""
    max_age = timedelta(days=settings.ORGANISATION_CONFIRMATION_DAYS)
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredLink from None
    except signing.BadSignature:
        raise InvalidLink from None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        raise InvalidLink
    organisation = Organisation.objects.filter(pk=data["o"]).first()
    if organisation is None or organisation.contact_email.lower() != data.get("e"):
        raise InvalidLink
    return organisation


def too_many_requests(request: HttpRequest) -> bool:
    """Count one join request from this client; True once it is over ORGANISATION_JOIN_RATE_LIMITS."""
    return not ratelimit.allow(request, "join", settings.ORGANISATION_JOIN_RATE_LIMITS)


@transaction.atomic
def submit_request(
    *,
    name: str,
    short_name: str,
    kind: str,
    scope: str,
    website: str,
    description: str,
    contact_name: str,
    contact_email: str,
    logo: CleanImage | None,
    message: str,
) -> Organisation:
    """Record a request to co-sign (pending, contact not yet confirmed) and email the confirmation link."""
    if name_is_taken(name):
        raise NameTaken
    now = timezone.now()
    organisation = Organisation(
        name=name,
        short_name=short_name,
        kind=kind,
        scope=scope,
        website=website,
        description=description,
        contact_name=contact_name,
        contact_email=contact_email,
        join_message=message,
        consent_at=now,
        created_at=now,
    )
    if logo is not None:
        set_logo(organisation, logo)
    save_with_unique_slug(organisation, slug_base(organisation), constraint=SLUG_CONSTRAINT, reserved=RESERVED_SLUGS)
    queue(
        emails.CONFIRM,
        key=f"organisation-confirm:{organisation.pk}",
        about=organisation,
        language=translation.get_language(),
    )
    return organisation


def moderators() -> QuerySet[User]:
    """Active staff who may moderate organisations: they are told of each confirmed request."""
    permission = Permission.objects.filter(content_type__app_label="organisations", codename="change_organisation")
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .distinct()
        .order_by("pk")
    )


@in_site_language
def confirm_contact(organisation: Organisation) -> bool:
    """Confirm the contact address (idempotent) and tell the moderators. Returns True the first time.

    Raises NameTaken when, meanwhile, another organisation with the same name
    has been confirmed or approved.
    """
    if organisation.contact_confirmed_at is not None or organisation.status != Organisation.Status.PENDING:
        return False
    try:
        with transaction.atomic():
            updated = Organisation.objects.filter(pk=organisation.pk, contact_confirmed_at__isnull=True).update(
                contact_confirmed_at=timezone.now()
            )
            if not updated:
                return False
            organisation.refresh_from_db()
            for moderator in moderators():
                queue(
                    emails.REQUEST_STAFF,
                    key=f"organisation-request:{organisation.pk}:{moderator.pk}",
                    about=organisation,
                    to=moderator.email,
                )
    except IntegrityError as error:
        if violated_constraint(error) == NAME_CONSTRAINT:
            raise NameTaken from None
        raise
    return True


# --- Moderation -------------------------------------------------------------


@in_site_language
def set_password_url(user: User) -> str:
    """An allauth password-reset link, which lets an invited person choose their password."""
    token = account_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": token})
    return absolute_url(path)


def invite_editor(organisation: Organisation, email: str, full_name: str = "") -> tuple[Membership, str | None]:
    """Make the person behind ``email`` an editor of ``organisation``, creating their account if needed.

    Returns ``(membership, password_url)``; ``password_url`` is None when the
    person already has a password (they simply log in).
    """
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    # The address is proven: the person confirmed it (join request) or staff vouch for it (invitation),
    # and the set-password link goes there anyway.
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "primary": True, "verified": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    membership, _ = Membership.objects.get_or_create(user=user, organisation=organisation)
    password_url = None if user.has_usable_password() else set_password_url(user)
    return membership, password_url


@in_site_language
@transaction.atomic
def approve(organisation: Organisation) -> Organisation:
    """Approve: the organisation appears on the public pages at once; its contact becomes its editor."""
    now = timezone.now()
    organisation.status = Organisation.Status.APPROVED
    organisation.approved_at = now
    organisation.refused_at = None
    organisation.refusal_reason = ""
    try:
        with transaction.atomic():
            organisation.save(update_fields=["status", "approved_at", "refused_at", "refusal_reason"])
    except IntegrityError as error:
        if violated_constraint(error) == NAME_CONSTRAINT:
            raise NameTaken from None
        raise
    if organisation.contact_email:
        _membership, password_url = invite_editor(organisation, organisation.contact_email, organisation.contact_name)
        queue(
            emails.APPROVED,
            key=f"organisation-approved:{organisation.pk}:{now.timestamp():.0f}",
            about=organisation,
            to=organisation.contact_email,
            params={"password_url": password_url},
        )
    return organisation


@in_site_language
@transaction.atomic
def refuse(organisation: Organisation, reason: str) -> Organisation:
    now = timezone.now()
    organisation.status = Organisation.Status.REFUSED
    organisation.refused_at = now
    organisation.refusal_reason = reason
    organisation.save(update_fields=["status", "refused_at", "refusal_reason"])
    if organisation.contact_email:
        queue(
            emails.REFUSED,
            key=f"organisation-refused:{organisation.pk}:{now.timestamp():.0f}",
            about=organisation,
            to=organisation.contact_email,
            params={"reason": reason},
        )
    return organisation


@transaction.atomic
def withdraw(organisation: Organisation) -> Organisation:
    """The organisation no longer co-signs: off the public pages, its editors lose their rights.

    Its contact's details are erased, as the privacy notice promises.
    """
    organisation.status = Organisation.Status.WITHDRAWN
    organisation.contact_name = organisation.contact_email = organisation.join_message = ""
    organisation.contact_confirmed_at = organisation.consent_at = None
    organisation.save(
        update_fields=["status", "contact_name", "contact_email", "join_message", "contact_confirmed_at", "consent_at"]
    )
    return organisation


@in_site_language
@transaction.atomic
def send_invitation(organisation: Organisation, email: str, full_name: str = "") -> Membership:
    """Staff invite one more editor for an approved organisation."""
    membership, password_url = invite_editor(organisation, email, full_name)
    queue(
        emails.EDITOR_INVITATION,
        key=f"editor-invitation:{membership.pk}:{timezone.now().timestamp():.0f}",
        about=membership,
        params={"password_url": password_url},
    )
    return membership


# --- Retention --------------------------------------------------------------


def prune_requests(now: datetime | None = None) -> int:
    """Delete requests whose contact never confirmed, and refused requests, once their time is up.

    Returns the number of organisations deleted (their logo files go too).
    """
    now = now or timezone.now()
    expired = Organisation.objects.awaiting_confirmation().filter(
        created_at__lt=now - timedelta(days=settings.ORGANISATION_CONFIRMATION_DAYS)
    ) | Organisation.objects.filter(
        status=Organisation.Status.REFUSED,
        refused_at__lt=now - timedelta(days=settings.ORGANISATION_REFUSED_RETENTION_DAYS),
    )
    deleted = 0
    for organisation in expired:
        with transaction.atomic():
            logo = organisation.logo.name if organisation.logo else ""
            storage = organisation.logo.storage
            organisation.delete()
            if logo:
                transaction.on_commit(functools.partial(storage.delete, logo))
        deleted += 1
    return deleted
