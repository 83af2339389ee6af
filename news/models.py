"""The news: posts, and their mailing to the signers who asked for it.

The tables keep the names they were created with (``campaign_post``,
``campaign_postmailing``, ``campaign_postdelivery``) when the news was part
of the campaign app: rows, constraints, indexes and the search column stay
as they are.
"""

from collections.abc import Collection
from datetime import datetime, timedelta
from html import unescape
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.markdown import render_markdown
from campaign.models import OutgoingEmail, User
from organisations.permissions import is_editor, organisations_for

# The PostgreSQL text search configuration created by migration
# campaign 0002_news: French stemming after unaccent, so "élèves" and "eleves" meet.
SEARCH_CONFIG = "french_unaccent"
# Marks around matched words in search excerpts. Private-use characters never
# typed by anyone (they are removed from posts on save), so the excerpt can be
# HTML-escaped as a whole and only then given its <mark> tags.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"


def without_highlight_marks(text: str | None) -> str:
    return (text or "").replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_STOP, "")


def html_to_text(html: str) -> str:
    """The readable text of sanitised HTML (for search excerpts)."""
    return without_highlight_marks(" ".join(unescape(strip_tags(html)).split()))


class PostQuerySet(models.QuerySet["Post"]):
    def published(self, now: datetime | None = None) -> "PostQuerySet":
        """What the public sees: published, and its publication time has come.

        The only definition of "public" for posts: the list, the detail page,
        the feeds, the sitemap, search, the home page and organisation pages
        all start here, so a scheduled post appears at its time with no cron.
        """
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def scheduled(self, now: datetime | None = None) -> "PostQuerySet":
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def newest_first(self) -> "PostQuerySet":
        return self.order_by("-published_at", "-pk")

    def next_publication(self, now: datetime | None = None) -> datetime | None:
        """When the next scheduled post appears, or None: no cache may outlive that moment."""
        return self.scheduled(now).aggregate(at=models.Min("published_at"))["at"]

    def editable_by(self, user: User | AnonymousUser) -> "PostQuerySet":
        """Posts ``user`` may change: staff any; an editor those of their organisations."""
        if not is_editor(user):
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(organisation__in=organisations_for(user))


class Post(models.Model):
    """A news item written by an organisation (or by the coalition itself, with none)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    title = models.CharField(_("titre"), max_length=200, blank=True)
    slug = models.SlugField(_("adresse"), max_length=220, db_index=False)
    summary = models.TextField(_("résumé"), max_length=500, blank=True)
    body = models.TextField(_("texte (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    # The body as plain text: what search excerpts are cut from.
    body_text = models.TextField(editable=False, blank=True)
    image = models.ImageField(_("image"), upload_to="posts/", blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(_("description de l'image"), max_length=250, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("organisation"),
        help_text=_("Aucune : la coalition elle-même."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur ou autrice"),
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # In the future while scheduled. Kept when a post is unpublished; once
    # stored, the slug never changes again (links to the post may exist).
    published_at = models.DateTimeField(_("publication"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("mise à jour"), default=timezone.now, editable=False)
    search = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector("body_text", weight="C", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PostQuerySet.as_manager()

    # Addresses taken by other pages under /actualites/.
    RESERVED_SLUGS = frozenset({"rss", "atom", "page"})

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(
                models.F("published_at").desc(),
                condition=models.Q(status="published"),
                name="campaign_post_published_idx",
            ),
            GinIndex(fields=["search"], name="campaign_post_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="campaign_post_slug_unique"),
            models.CheckConstraint(condition=~models.Q(slug=""), name="campaign_post_slug_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(status="published") | ~models.Q(title=""),
                name="campaign_post_published_has_title",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="campaign_post_published_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(image="") | ~models.Q(image_alt=""),
                name="campaign_post_image_has_alt",
            ),
        ]
        db_table = "campaign_post"

    def __str__(self) -> str:
        return self.title or gettext("(sans titre)")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.title = without_highlight_marks(self.title)
        self.summary = without_highlight_marks(self.summary)
        self.body_html = render_markdown(self.body)
        self.body_text = html_to_text(self.body_html)
        super().save(*args, **kwargs)
        self._stored_published_at = self.published_at

    def get_absolute_url(self) -> str:
        return reverse("news:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> Self:
        post = super().from_db(db, field_names, values, **kwargs)
        post._stored_published_at = post.__dict__.get("published_at")
        return post

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at <= now

    def is_scheduled(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at > now

    @property
    def slug_is_locked(self) -> bool:
        """Published (or scheduled) once, as stored: its address may have been shared."""
        return getattr(self, "_stored_published_at", None) is not None

    @property
    def was_updated(self) -> bool:
        """Changed noticeably after publication (worth an "updated on" line)."""
        return self.published_at is not None and self.updated_at - self.published_at > timedelta(minutes=10)


class PostMailing(models.Model):
    """Staff's decision to send a post to the signers who asked for news. At most one per post."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="mailing", verbose_name=_("actualité"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    # When a batch last committed: a mailing silent for too long lost its
    # worker (killed mid-batch) and is resumed by the periodic task.
    last_batch_at = models.DateTimeField(_("dernier lot"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi aux signataires")
        verbose_name_plural = _("envois aux signataires")
        db_table = "campaign_postmailing"

    def __str__(self) -> str:
        return str(self.post)


class PostDelivery(models.Model):
    """A post queued for one signer. The unique constraint is what makes "at most once" true."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    # Deleted with the signature: a withdrawn signer leaves no trace here.
    signature = models.ForeignKey("petitions.Signature", on_delete=models.CASCADE, related_name="+")
    # Emptied when the outbox forgets the message (after its retention period).
    email = models.ForeignKey(OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("envoi d'une actualité")
        verbose_name_plural = _("envois d'actualités")
        constraints = [
            models.UniqueConstraint(fields=["post", "signature"], name="campaign_postdelivery_once_per_signer"),
        ]
        db_table = "campaign_postdelivery"

    def __str__(self) -> str:
        return f"{self.post_id} → {self.signature_id}"
