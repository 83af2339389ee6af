"""What the editing space does: save and publish posts, with their address and cover image."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import TypedDict

from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from campaign.images import CleanImage
from campaign.slugs import save_with_unique_slug as save_with_free_slug
from news.models import Post

logger = logging.getLogger(__name__)

# Named when the news lived in the campaign app; images already pending carry it.
PENDING_IMAGE_SALT = "campaign.news.pending-image"
# An uploaded image waits this long for the post that will use it.
PENDING_IMAGE_MAX_AGE = 24 * 3600
SLUG_MAX_LENGTH = 200
SLUG_CONSTRAINT = "campaign_post_slug_unique"
IMAGE_DIRECTORY = "posts"


class PublicationChoice:
    DRAFT = "draft"
    NOW = "now"
    SCHEDULE = "schedule"


# ---------------------------------------------------------------------------
# Slugs
# ---------------------------------------------------------------------------


def slug_base(title: str) -> str:
    base = slugify(title)[:SLUG_MAX_LENGTH].strip("-")
    return base or ("actualite" if title else "brouillon")


def _slug_follows_title(post: Post) -> bool:
    return bool(post.slug) and re.fullmatch(rf"{re.escape(slug_base(post.title))}(-[0-9]+)?", post.slug) is not None


def save_with_unique_slug(post: Post) -> Post:
    """Save ``post``; while it was never published (or scheduled) its slug follows its title.

    Once published, the slug never changes: links to the post may exist.
    """
    save_with_free_slug(
        post,
        slug_base(post.title),
        constraint=SLUG_CONSTRAINT,
        reserved=Post.RESERVED_SLUGS,
        keep=lambda slug: post.slug_is_locked or _slug_follows_title(post),
    )
    return post


# ---------------------------------------------------------------------------
# Cover images
# ---------------------------------------------------------------------------


class PendingImage(TypedDict):
    """A cover image stored before its post is saved: file name, width and height."""

    name: str
    w: int
    h: int


def store_image(clean_image: CleanImage) -> str:
    """Store a cleaned upload now (so a form shown again keeps it) and return a signed reference to it."""
    name = default_storage.save(f"{IMAGE_DIRECTORY}/{clean_image.name}", clean_image.file)
    return signing.dumps({"name": name, "w": clean_image.width, "h": clean_image.height}, salt=PENDING_IMAGE_SALT)


def read_image_token(token: str) -> PendingImage | None:
    """The stored image a token refers to: ``{"name", "w", "h"}``, or None if forged, stale or gone."""
    try:
        image = signing.loads(token, salt=PENDING_IMAGE_SALT, max_age=PENDING_IMAGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(image, dict) or not default_storage.exists(image.get("name", "")):
        return None
    return PendingImage(name=image["name"], w=image["w"], h=image["h"])


def prune_images(now: datetime | None = None) -> int:
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
def save_post(
    post: Post,
    *,
    publication: str,
    scheduled_at: datetime | None = None,
    image: PendingImage | None = None,
    remove_image: bool = False,
    content_changed: bool,
    now: datetime | None = None,
) -> Post:
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


def unpublish(post: Post) -> None:
    """Back to draft: gone from every public page at once. The address is kept for a later republication."""
    post.status = Post.Status.DRAFT
    post.save(update_fields=["status"])
