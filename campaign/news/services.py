"""What the news views and tasks do: save and publish posts, send them to signers, unsubscribe."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campaign.models import OutgoingEmail, Post, PostDelivery, PostMailing
from campaign.outbox import queue_email, wake_worker
from campaign.site import absolute_url
from petitions.models import Signature

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "campaign.news.unsubscribe"
PENDING_IMAGE_SALT = "campaign.news.pending-image"
# An uploaded image waits this long for the post that will use it.
PENDING_IMAGE_MAX_AGE = 24 * 3600
SLUG_MAX_LENGTH = 200
IMAGE_DIRECTORY = "posts"


class PublicationChoice:
    DRAFT = "draft"
    NOW = "now"
    SCHEDULE = "schedule"


# ---------------------------------------------------------------------------
# Slugs
# ---------------------------------------------------------------------------


def slug_base(title):
    base = slugify(title)[:SLUG_MAX_LENGTH].strip("-")
    return base or ("actualite" if title else "brouillon")


def unique_slug(base, exclude_pk=None):
    """``base``, or ``base-2``, ``base-3``… whichever is free (and not a reserved address)."""
    taken = set(
        Post.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$")
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    taken |= Post.RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _slug_follows_title(post):
    return bool(post.slug) and re.fullmatch(rf"{re.escape(slug_base(post.title))}(-[0-9]+)?", post.slug) is not None


def _is_slug_clash(error):
    cause = getattr(error, "__cause__", None)
    return getattr(getattr(cause, "diag", None), "constraint_name", None) == "campaign_post_slug_unique"


def save_with_unique_slug(post):
    """Save ``post``; while it was never published its slug follows its title, and a clash gets a new one.

    Two editors saving the same title at the same moment both pass the
    "is it free?" check; the unique constraint refuses the second, which
    tries the next number.
    """
    for _attempt in range(5):
        if not post.slug_is_locked and not _slug_follows_title(post):
            post.slug = unique_slug(slug_base(post.title), exclude_pk=post.pk)
        try:
            with transaction.atomic():
                post.save()
            return post
        except IntegrityError as error:
            if not _is_slug_clash(error) or post.slug_is_locked:
                raise
            post.slug = ""
    raise RuntimeError("no free slug after five attempts")


# ---------------------------------------------------------------------------
# Cover images
# ---------------------------------------------------------------------------


def store_image(clean_image):
    """Store a cleaned upload now (so a form shown again keeps it) and return a signed reference to it."""
    name = default_storage.save(f"{IMAGE_DIRECTORY}/{clean_image.file.name}", clean_image.file)
    return signing.dumps({"name": name, "w": clean_image.width, "h": clean_image.height}, salt=PENDING_IMAGE_SALT)


def read_image_token(token):
    """The stored image a token refers to: ``{"name", "w", "h"}``, or None if forged, stale or gone."""
    try:
        image = signing.loads(token, salt=PENDING_IMAGE_SALT, max_age=PENDING_IMAGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(image, dict) or not default_storage.exists(image.get("name", "")):
        return None
    return image


def prune_images(now=None):
    """Delete stored cover images no post uses (replaced, removed, or uploaded and abandoned)."""
    now = now or timezone.now()
    try:
        _, files = default_storage.listdir(IMAGE_DIRECTORY)
    except FileNotFoundError:
        return 0
    used = set(Post.objects.exclude(image="").values_list("image", flat=True))
    cutoff = now - timedelta(seconds=PENDING_IMAGE_MAX_AGE)
    deleted = 0
    for filename in files:
        name = f"{IMAGE_DIRECTORY}/{filename}"
        if name not in used and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted += 1
    return deleted


# ---------------------------------------------------------------------------
# Writing and publishing
# ---------------------------------------------------------------------------


@transaction.atomic
def save_post(post, *, publication, scheduled_at=None, image=None, remove_image=False, content_changed, now=None):
    """Apply the editor's publication choice and save.

    ``image`` is a ``read_image_token`` result (a newly uploaded image).
    A post already public keeps its publication date when it is edited;
    "publish now" gives the current time only to a post not yet public.
    """
    now = now or timezone.now()
    if image is not None:
        post.image.name = image["name"]
        post.image_width, post.image_height = image["w"], image["h"]
        content_changed = True
    elif remove_image and post.image:
        post.image.name = ""
        post.image_width = post.image_height = None
        post.image_alt = ""
        content_changed = True
    if not post.image:
        post.image_alt = ""

    if publication == PublicationChoice.DRAFT:
        post.status = Post.Status.DRAFT
    elif publication == PublicationChoice.NOW:
        if not post.is_public(now):
            post.published_at = now
        post.status = Post.Status.PUBLISHED
    elif publication == PublicationChoice.SCHEDULE:
        post.published_at = scheduled_at
        post.status = Post.Status.PUBLISHED
    else:
        raise ValueError(f"unknown publication choice {publication!r}")

    if content_changed or post.pk is None:
        post.updated_at = now
    return save_with_unique_slug(post)


def unpublish(post):
    """Back to draft: gone from every public page at once. The address is kept for a later republication."""
    post.status = Post.Status.DRAFT
    post.save(update_fields=["status"])


# ---------------------------------------------------------------------------
# Telling signers
# ---------------------------------------------------------------------------


class MailingRefused(Exception):
    pass


def news_recipients():
    """Signers who confirmed and asked for the campaign's news."""
    return Signature.objects.confirmed().filter(wants_news=True)


def pending_recipients(post):
    return news_recipients().exclude(pk__in=PostDelivery.objects.filter(post=post).values("signature_id"))


@transaction.atomic
def start_mailing(post, user, now=None):
    """Staff ask for ``post`` to be sent to signers. Return (mailing, created); asking twice does nothing more."""
    from campaign.news.tasks import send_post_batch

    if not post.is_public(now):
        raise MailingRefused(_("Seule une actualité publiée peut être envoyée aux signataires."))
    mailing, created = PostMailing.objects.get_or_create(post=post, defaults={"requested_by": user})
    if created:
        send_post_batch.enqueue(post.pk)
    return mailing, created


def unsubscribe_token(signature):
    """A signed, stable token naming the signature: the same link in every news email, valid while it exists."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(signature.pk))


def signature_id_from_token(token):
    """The signature id a token names, or None when it was not made by us."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def _queue_post_email(post, signature):
    with translation.override(settings.LANGUAGE_CODE):
        post_url = absolute_url(post.get_absolute_url())
        unsubscribe_url = absolute_url(reverse("news:unsubscribe", kwargs={"token": unsubscribe_token(signature)}))
    return queue_email(
        # Keyed under the signature, so that withdrawing it erases this email too.
        key=signature.email_key("news", post.pk),
        to=signature.email,
        template="news_post",
        context={
            "post": post,
            "post_url": post_url,
            "first_name": signature.first_name,
            "unsubscribe_url": unsubscribe_url,
        },
        # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs here.
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        wake=False,
    )


def send_batch(post_id, batch_size=None, now=None):
    """Queue the post's email for the next signers who have not had it; return how many were queued.

    One transaction per batch: a worker killed in the middle leaves nothing
    half done, and the next run starts again from the signers without a
    delivery row. Two workers on the same post both try to insert the same
    delivery rows; the unique constraint lets one win and the other skips.
    """
    from campaign.news.tasks import send_post_batch

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
        if queued:
            wake_worker()
    logger.info("news %s: queued %d emails", post_id, queued)
    return queued


def resume_mailings(now=None):
    """Start again the mailings whose worker went silent (killed mid-batch). Return their post ids."""
    from campaign.news.tasks import send_post_batch

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


def mailing_progress(post):
    """Counts for staff: ``{"sent", "to_send", "failed", "finished"}``, or None before any request."""
    mailing = PostMailing.objects.filter(post=post).first()
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
        "finished": mailing.finished_at is not None and counts["pending"] == 0,
        "mailing": mailing,
    }


def unsubscribe(signature_id):
    """Stop sending news to this signer. Idempotent; False when the signature no longer exists."""
    return Signature.objects.filter(pk=signature_id).update(wants_news=False) == 1


def next_publication():
    """For campaign.http_cache (settings.PAGE_CACHE_HORIZONS): the next scheduled post's time."""
    return Post.objects.next_publication()
