"""The emails about an organisation, rendered by the worker when it sends them (campaign.outbox).

Each is about the organisation (or the editor's membership): withdrawn
before the worker gets to it, the email is dropped. What the object does not
say is passed at queueing time in ``params``: the moderator's address, the
refusal's reason, the link to choose a password (made in the transaction that
created the account).
"""

from typing import Any

from django.conf import settings
from django.urls import reverse

from campaign.outbox import Email, email_kind
from campaign.site import absolute_url
from organisations.models import Membership, Organisation, PaperBatch

CONFIRM = "organisations.organisation_confirm"
REQUEST_STAFF = "organisations.organisation_request_staff"
APPROVED = "organisations.organisation_approved"
REFUSED = "organisations.organisation_refused"
EDITOR_INVITATION = "organisations.editor_invitation"


def editor_access_context(password_url: str | None) -> dict[str, Any]:
    """What the approval and invitation emails need to tell an editor how to get in."""
    return {
        "password_url": password_url,
        "password_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "reset_url": absolute_url(reverse("account_reset_password")),
        "space_url": absolute_url(reverse("organisations:space")),
    }


@email_kind(CONFIRM, template="organisations/emails/organisation_confirm", model=Organisation)
def organisation_confirm(organisation: Organisation, params: dict[str, Any]) -> Email:
    from organisations.services import confirmation_token

    return Email(
        to=organisation.contact_email,
        context={
            "organisation": organisation,
            "confirm_url": absolute_url(reverse("organisations:confirm", args=[confirmation_token(organisation)])),
            "days": settings.ORGANISATION_CONFIRMATION_DAYS,
        },
    )


@email_kind(REQUEST_STAFF, template="organisations/emails/organisation_request_staff", model=Organisation)
def organisation_request_staff(organisation: Organisation, params: dict[str, Any]) -> Email:
    admin_url = absolute_url(reverse("admin:organisations_organisation_change", args=[organisation.pk]))
    return Email(to=None, context={"organisation": organisation, "admin_url": admin_url})


@email_kind(APPROVED, template="organisations/emails/organisation_approved", model=Organisation)
def organisation_approved(organisation: Organisation, params: dict[str, Any]) -> Email:
    return Email(
        to=None,
        context={
            "organisation": organisation,
            "organisation_url": absolute_url(organisation.get_absolute_url()),
            **editor_access_context(params["password_url"]),
        },
    )


@email_kind(REFUSED, template="organisations/emails/organisation_refused", model=Organisation)
def organisation_refused(organisation: Organisation, params: dict[str, Any]) -> Email:
    return Email(
        to=None,
        context={
            "organisation": organisation,
            "reason": params["reason"],
            "refused_days": settings.ORGANISATION_REFUSED_RETENTION_DAYS,
        },
    )


def load_membership(pk: int) -> Membership | None:
    return Membership.objects.select_related("organisation", "user").filter(pk=pk).first()


@email_kind(EDITOR_INVITATION, template="organisations/emails/editor_invitation", load=load_membership)
def editor_invitation(membership: Membership, params: dict[str, Any]) -> Email:
    return Email(
        to=membership.user.email,
        context={"organisation": membership.organisation, **editor_access_context(params["password_url"])},
    )


PAPER_BATCH_REFUSED = "organisations.paper_batch_refused"
PAPER_BATCH_WITHDRAWN = "organisations.paper_batch_withdrawn"


def paper_batch_decision(batch: PaperBatch, params: dict[str, Any]) -> Email:
    """Staff's refusal or withdrawal of a batch, to one of its organisation's editors (``to`` given at queueing)."""
    organisation = batch.organisation
    return Email(
        to=None,
        context={
            "batch": batch,
            "organisation": organisation,
            "reason": batch.reason,
            "space_url": absolute_url(reverse("organisations:paper", args=[organisation.slug])),
        },
    )


def _load_batch(pk: int) -> PaperBatch | None:
    return PaperBatch.objects.select_related("organisation").filter(pk=pk).first()


for _kind in (PAPER_BATCH_REFUSED, PAPER_BATCH_WITHDRAWN):
    email_kind(_kind, template=f"organisations/emails/{_kind.split('.')[1]}", load=_load_batch)(paper_batch_decision)
