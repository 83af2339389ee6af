"""The emails about a signature, rendered by the worker when it sends them (campaign.outbox).

Each is about the signature: when it is withdrawn before the worker gets to
it, the email is dropped (and ``Signature.objects.erase()`` deletes the rows
anyway).
"""

from typing import Any

from django.conf import settings
from django.urls import reverse

from campaign.outbox import Email, email_kind
from campaign.site import absolute_url
from petitions import tokens
from petitions.models import Signature

CONFIRM = "petitions.signature_confirm"
ALREADY_SIGNED = "petitions.signature_already_signed"


def load_signature(pk: int) -> Signature | None:
    return Signature.objects.select_related("petition").filter(pk=pk).first()


def email_context(signature: Signature, petition_title: str) -> dict[str, Any]:
    # Built under the signer's language (the outbox renders under it): /en/… links for a signature given in English.
    confirm_url = absolute_url(reverse("petitions:confirm", args=[tokens.confirmation_token(signature)]))
    withdraw_url = absolute_url(reverse("petitions:withdraw", args=[tokens.withdrawal_token(signature)]))
    share_url = absolute_url(reverse("home"))
    return {
        "signature": signature,
        "petition_title": petition_title,
        "confirm_url": confirm_url,
        "withdraw_url": withdraw_url,
        "share_url": share_url,
        "expires_at": signature.confirmation_expires_at(),
        "confirmation_days": settings.SIGNATURE_CONFIRMATION_DAYS,
    }


@email_kind(CONFIRM, template="petitions/emails/signature_confirm", load=load_signature)
def signature_confirm(signature: Signature, params: dict[str, Any]) -> Email:
    return Email(to=signature.email, context=email_context(signature, signature.petition.title))


@email_kind(ALREADY_SIGNED, template="petitions/emails/signature_already_signed", load=load_signature)
def signature_already_signed(signature: Signature, params: dict[str, Any]) -> Email:
    return Email(to=signature.email, context=email_context(signature, signature.petition.title))
