"""Telling signers about a post: the mailing, batch by batch, and unsubscribing."""

import logging
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.links import InvalidLink
from campaign.models import OutgoingEmail, User
from campaign.outbox import queue, render_email
from news import emails
from news.models import Post, PostDelivery, PostMailing
from petitions.models import Signature, SignatureQuerySet

logger = logging.getLogger(__name__)

# The salt keeps the name it was given when the news lived in the campaign
# app: the unsubscribe links already emailed must keep working.
UNSUBSCRIBE_SALT = "campaign.news.unsubscribe"


class MailingRefused(Exception):
    pass


def news_recipients() -> SignatureQuerySet:
    """Signers who confirmed and asked for the campaign's news."""
    return Signature.objects.confirmed().filter(wants_news=True)


def pending_recipients(post: Post) -> SignatureQuerySet:
    return news_recipients().exclude(pk__in=PostDelivery.objects.filter(post=post).values("signature_id"))


@transaction.atomic
def start_mailing(post: Post, user: User | None, now: datetime | None = None) -> tuple[PostMailing, bool]:
    """Staff ask for ``post`` to be sent to signers. Return (mailing, created); asking twice does nothing more."""
    if not post.is_public(now):
        raise MailingRefused(_("Seule une actualité publiée peut être envoyée aux signataires."))
    mailing, created = PostMailing.objects.get_or_create(post=post, defaults={"requested_by": user})
    if created:
        send_post_batch.enqueue(post.pk)
    return mailing, created


def unsubscribe_token(signature: Signature) -> str:
    """A signed, stable token naming the signature: the same link in every news email, valid while it exists."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(signature.pk))


def signature_id_from_token(token: str) -> int:
    """The signature id an unsubscribe link names; raises InvalidLink when we did not make it."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        raise InvalidLink from None
    if not value.isdigit():
        raise InvalidLink
    return int(value)


class EmailPreview(TypedDict):
    subject: str
    lines: list[str]


def email_preview(post: Post) -> EmailPreview:
    """The subject and opening lines every signer will read, as staff confirm the mailing.

    Rendered from the very templates the mailing uses, with the signer's own
    first name and links left as placeholders: nobody's data is shown.
    """
    with translation.override(settings.LANGUAGE_CODE):
        placeholder = _("[lien personnel]")
        context = emails.email_context(post, _("[prénom]"), placeholder, placeholder)
    subject, text, _html = render_email(emails.EMAIL_TEMPLATE, context, settings.LANGUAGE_CODE)
    # Up to the signature ("-- "): what is the same for every signer but the first name.
    body = text.split("\n-- \n", 1)[0]
    return {"subject": subject, "lines": body.strip().splitlines()}


def _queue_post_email(post: Post, signature: Signature) -> OutgoingEmail | None:
    # Keyed under the signature, so that withdrawing it erases this email too.
    return queue(emails.NEWS_POST, key=signature.email_key("news", post.pk), about=signature, params={"post": post.pk})


def send_batch(post_id: int, batch_size: int | None = None, now: datetime | None = None) -> int:
    """Queue the post's email for the next signers who have not had it; return how many were queued.

    One transaction per batch: a worker killed in the middle leaves nothing
    half done, and the next run starts again from the signers without a
    delivery row. Two workers on the same post both try to insert the same
    delivery rows; the unique constraint lets one win and the other skips.
    """
    batch_size = batch_size or settings.NEWS_MAILING_BATCH_SIZE
    now = now or timezone.now()
    with transaction.atomic():
        mailing = (
            PostMailing.objects.select_related("post", "post__organisation")
            .filter(post_id=post_id, finished_at__isnull=True)
            .first()
        )
        if mailing is None or not mailing.post.is_public(now):
            # Finished, or unpublished since: nothing to send (resumed if republished).
            return 0
        post = mailing.post
        signatures = list(pending_recipients(post).order_by("pk")[:batch_size])
        queued = 0
        for signature in signatures:
            try:
                with transaction.atomic():
                    email = _queue_post_email(post, signature)
                    if email is None:
                        continue  # another worker has just queued this signer
                    PostDelivery.objects.create(post=post, signature=signature, email=email, created_at=now)
            except IntegrityError:
                continue  # another worker has just queued this signer
            queued += 1
        mailing.last_batch_at = now
        if len(signatures) < batch_size:
            mailing.finished_at = now
        else:
            send_post_batch.enqueue(post_id)
        mailing.save(update_fields=["last_batch_at", "finished_at"])
    logger.info("news %s: queued %d emails", post_id, queued)
    return queued


@task()
def send_post_batch(post_id: int) -> int:
    """One batch of a post's mailing to signers; enqueues the next batch itself.

    Defined here, beside the batch it runs: each batch enqueues the next one
    in its own transaction.
    """
    return send_batch(post_id)


def resume_mailings(now: datetime | None = None) -> list[int]:
    """Start again the mailings whose worker went silent (killed mid-batch). Return their post ids."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NEWS_MAILING_STALE_SECONDS)
    post_ids = list(
        PostMailing.objects.filter(finished_at__isnull=True, post__in=Post.objects.published(now))
        .filter(Q(last_batch_at__lt=stale) | Q(last_batch_at__isnull=True, requested_at__lt=stale))
        .values_list("post_id", flat=True)
    )
    for post_id in post_ids:
        send_post_batch.enqueue(post_id)
    return post_ids


class MailingProgress(TypedDict):
    sent: int
    to_send: int
    failed: int
    total: int
    finished: bool
    mailing: PostMailing


def mailing_progress(post: Post) -> MailingProgress | None:
    """Counts for staff: ``{"sent", "to_send", "failed", "finished"}``, or None before any request."""
    mailing = PostMailing.objects.select_related("requested_by").filter(post=post).first()
    if mailing is None:
        return None
    counts = PostDelivery.objects.filter(post=post).aggregate(
        queued=Count("pk"),
        pending=Count("pk", filter=Q(email__status=OutgoingEmail.Status.PENDING)),
        failed=Count("pk", filter=Q(email__status=OutgoingEmail.Status.FAILED)),
    )
    not_queued = 0 if mailing.finished_at else pending_recipients(post).count()
    return {
        # A delivery whose outbox row was pruned after its retention period had been sent.
        "sent": counts["queued"] - counts["pending"] - counts["failed"],
        "to_send": counts["pending"] + not_queued,
        "failed": counts["failed"],
        "total": counts["queued"] + not_queued,
        "finished": mailing.finished_at is not None and counts["pending"] == 0,
        "mailing": mailing,
    }


def unsubscribe(signature_id: int) -> bool:
    """Stop sending news to this signer. Idempotent; False when the signature no longer exists."""
    return Signature.objects.filter(pk=signature_id).update(wants_news=False) == 1
