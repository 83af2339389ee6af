from datetime import timedelta
from html import unescape

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.markdown import render_markdown

# Marks text only the publisher can supply (their name, address, host). The
# admin flags pages that still contain it.
PLACEHOLDER_MARK = "[À COMPLÉTER"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member or an organisation's editor. Signers are not users."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("équipe de la campagne"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="campaign_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email


class Page(models.Model):
    """An editable text of the site: the appeal, the privacy notice, the legal notice.

    The text itself lives in revisions; a page is only their stable address.
    """

    APPEAL = "appel"
    PRIVACY = "confidentialite"
    LEGAL = "mentions-legales"

    slug = models.SlugField(_("adresse"), unique=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @transaction.atomic
    def publish(self, *, title, body, author=None, language="fr"):
        """Publish a new text. Earlier revisions are kept, never edited."""
        return self.revisions.create(title=title, body=body, author=author, language=language)

    def current_revision(self, language="fr"):
        return PageRevision.objects.current(self.slug, language)


class PageRevisionQuerySet(models.QuerySet):
    def current(self, slug, language="fr"):
        """The newest revision in ``language``, or else the newest French one."""
        return (
            self.filter(page__slug=slug, language__in={language, settings.LANGUAGE_CODE})
            .select_related("page")
            .order_by(
                Case(When(language=language, then=Value(0)), default=Value(1)),
                "-created_at",
                "-pk",
            )
            .first()
        )


class PageRevision(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("page"))
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte (Markdown)"))
    body_html = models.TextField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur ou autrice"),
    )
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now, db_index=True)

    objects = PageRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="campaign_pagerevision_title_not_empty"),
            models.CheckConstraint(condition=~models.Q(body=""), name="campaign_pagerevision_body_not_empty"),
        ]

    def __str__(self):
        return f"{self.page} ({self.language}, {self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            # Revisions are history: a change is a new revision, never an edit.
            raise ValueError("A page revision cannot be changed once published.")
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def has_placeholders(self):
        return PLACEHOLDER_MARK in self.body or PLACEHOLDER_MARK in self.title


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now or timezone.now())


class OutgoingEmail(models.Model):
    """One message in the outbox, written in the transaction that caused it.

    The unique ``key`` makes queueing idempotent (the same logical message is
    never queued twice), and the row lock taken while sending makes delivery
    at most once per worker: see ``campaign.outbox``. Once sent, the content
    and the recipient are erased; only the key, status and times remain.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")

    key = models.CharField(_("clé"), max_length=200, unique=True)
    recipient = models.EmailField(_("destinataire"), blank=True)
    subject = models.CharField(_("objet"), max_length=300, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("en-têtes"), default=dict, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="campaign_outbox_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="campaign_outbox_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="pending") | ~models.Q(recipient=""),
                name="campaign_outbox_pending_has_recipient",
            ),
        ]

    def __str__(self):
        return self.key


class CacheGeneration(models.Model):
    """A number bumped whenever content shown on public pages changes.

    Every process compares it, at most once a second, with the generation of
    its cached pages (``campaign.http_cache``): one tiny row is the whole
    invalidation protocol, for one server or many.
    """

    PAGES = "pages"

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("génération du cache")
        verbose_name_plural = _("générations du cache")

    def __str__(self):
        return f"{self.name}: {self.value}"

    @classmethod
    def current(cls, name):
        return cls.objects.filter(name=name).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls, name):
        updated = cls.objects.filter(name=name).update(value=models.F("value") + 1, changed_at=timezone.now())
        if not updated:
            cls.objects.bulk_create([cls(name=name, value=1)], ignore_conflicts=True)


class SharedCacheEntry(models.Model):
    """An entry of the cache every process and machine shares when there is no Redis (``campaign.shared_cache``).

    allauth's rate limits and used two-factor codes, and the used anti-robot
    stamps, live here. The table is UNLOGGED (migration 0004): no WAL, not
    replicated, emptied after a crash, which is what a cache may lose.
    """

    key = models.TextField(primary_key=True)
    # Integers in ``number`` (so that incr() is one UPDATE), anything else pickled in ``value``.
    value = models.BinaryField(null=True)
    number = models.BigIntegerField(null=True)
    # Seconds since the epoch, by the application's clock, as in every Django cache.
    expires = models.FloatField()

    class Meta:
        db_table = "campaign_shared_cache"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=True, number__isnull=False)
                | models.Q(value__isnull=False, number__isnull=True),
                name="campaign_shared_cache_one_value",
            ),
        ]

    def __str__(self):
        return self.key


class RateLimitHits(models.Model):
    """The accepted hits of one client in one scope, for the limits of ``campaign.ratelimit`` (without Redis).

    UNLOGGED like SharedCacheEntry; one row per client and scope, holding the
    times of its accepted hits within the longest period of its limits.
    """

    key = models.TextField(primary_key=True)
    hits = ArrayField(models.FloatField())
    # Whether the latest attempt was within the limits (what the upsert returns).
    accepted = models.BooleanField()
    expires = models.FloatField()

    class Meta:
        db_table = "campaign_rate_limit"

    def __str__(self):
        return self.key


class ScheduledJob(models.Model):
    """When each periodic task (settings.PERIODIC_TASKS) is next due.

    Workers lock the row with SKIP LOCKED, so with any number of workers each
    run is enqueued once.
    """

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tâche périodique")
        verbose_name_plural = _("tâches périodiques")

    def __str__(self):
        return self.name


class AuditEntry(models.Model):
    """One access by staff to personal data in bulk: who, when, what.

    Append-only. The admin grants nobody change or delete rights, ``save()``
    refuses to rewrite a row, and a PostgreSQL trigger (migration
    ``audit_log``) rejects any UPDATE or DELETE, whatever the client.
    """

    class Action(models.TextChoices):
        LIST = "list", _("Consultation d'une liste")
        EXPORT = "export", _("Export")

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # PROTECT: an account that appears in the log cannot be deleted (deactivate it instead).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("compte")
    )
    # The address at the time: the account's may change later.
    user_email = models.EmailField(_("adresse du compte"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("données"), max_length=100)
    query = models.CharField(_("filtres et recherche"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)

    class Meta:
        verbose_name = _("entrée du journal d'accès")
        verbose_name_plural = _("journal des accès aux données personnelles")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        # Created by the petition app, where the log began; the append-only trigger is on it.
        db_table = "petitions_auditentry"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.get_action_display()} {self.model}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An audit log entry cannot be changed.")
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------
# News (issue 5)
# ---------------------------------------------------------------------------

# The PostgreSQL text search configuration created by migration
# 0002_news: French stemming after unaccent, so "élèves" and "eleves" meet.
SEARCH_CONFIG = "french_unaccent"
# Marks around matched words in search excerpts. Private-use characters never
# typed by anyone (they are removed from posts on save), so the excerpt can be
# HTML-escaped as a whole and only then given its <mark> tags.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"


def without_highlight_marks(text):
    return (text or "").replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_STOP, "")


def html_to_text(html):
    """The readable text of sanitised HTML (for search excerpts)."""
    return without_highlight_marks(" ".join(unescape(strip_tags(html)).split()))


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        """What the public sees: published, and its publication time has come.

        The only definition of "public" for posts: the list, the detail page,
        the feeds, the sitemap, search, the home page and organisation pages
        all start here, so a scheduled post appears at its time with no cron.
        """
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def scheduled(self, now=None):
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def next_publication(self, now=None):
        """When the next scheduled post appears, or None: no cache may outlive that moment."""
        return self.scheduled(now).aggregate(at=models.Min("published_at"))["at"]

    def editable_by(self, user):
        """Posts ``user`` may change: staff any; an editor those of their organisations."""
        from organisations.permissions import is_editor, organisations_for

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

    def __str__(self):
        return self.title or gettext("(sans titre)")

    def save(self, *args, **kwargs):
        self.title = without_highlight_marks(self.title)
        self.summary = without_highlight_marks(self.summary)
        self.body_html = render_markdown(self.body)
        self.body_text = html_to_text(self.body_html)
        super().save(*args, **kwargs)
        self._stored_published_at = self.published_at

    def get_absolute_url(self):
        return reverse("news:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        post = super().from_db(db, field_names, values, **kwargs)
        post._stored_published_at = post.__dict__.get("published_at")
        return post

    def is_public(self, now=None):
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at <= now

    def is_scheduled(self, now=None):
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.published_at is not None and self.published_at > now

    @property
    def slug_is_locked(self):
        """Published (or scheduled) once, as stored: its address may have been shared."""
        return getattr(self, "_stored_published_at", None) is not None

    @property
    def was_updated(self):
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

    def __str__(self):
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

    def __str__(self):
        return f"{self.post_id} → {self.signature_id}"
