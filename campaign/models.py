from datetime import datetime
from typing import Any, ClassVar

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.markdown import render_markdown

# Marks text only the publisher can supply (their name, address, host). The
# admin flags pages that still contain it.
PLACEHOLDER_MARK = "[À COMPLÉTER"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
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

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="campaign_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email


class Page(models.Model):
    """An editable text of the site: the appeal, the privacy notice, the legal notice, the lead, the questions…

    The text itself lives in revisions; a page is only their stable address.
    """

    APPEAL = "appel"
    PRIVACY = "confidentialite"
    LEGAL = "mentions-legales"
    # The lead above the appeal on the home page, and the questions and answers.
    LEAD = "chapo"
    QUESTIONS = "questions"

    slug = models.SlugField(_("adresse"), unique=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def publish(
        self,
        *,
        title: str,
        body: str,
        author: "User | None" = None,
        language: str = "fr",
        needs_review: bool = False,
    ) -> "PageRevision":
        """Publish a new text. Earlier revisions are kept, never edited."""
        return self.revisions.create(
            title=title, body=body, author=author, language=language, needs_review=needs_review
        )

    def current_revision(self, language: str = "fr") -> "PageRevision | None":
        return PageRevision.objects.current(self.slug, language)


class PageRevisionQuerySet(models.QuerySet["PageRevision"]):
    def current(self, slug: str, language: str = "fr") -> "PageRevision | None":
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

    def current_many(self, slugs: list[str], language: str = "fr") -> dict[str, "PageRevision"]:
        """``current()`` of several pages in one query: {slug: revision}, pages without a revision left out."""
        rows = (
            self.filter(page__slug__in=slugs, language__in={language, settings.LANGUAGE_CODE})
            .select_related("page")
            .order_by(
                "page_id",
                Case(When(language=language, then=Value(0)), default=Value(1)),
                "-created_at",
                "-pk",
            )
            .distinct("page_id")
        )
        return {revision.page.slug: revision for revision in rows}


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
    # Shipped texts nobody on the team has read yet (the English translations
    # loaded with the code): the admin flags them until a person saves a
    # revision, which is never marked so (a constraint says it).
    needs_review = models.BooleanField(_("à relire"), default=False)

    objects = PageRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="campaign_pagerevision_title_not_empty"),
            models.CheckConstraint(condition=~models.Q(body=""), name="campaign_pagerevision_body_not_empty"),
            models.CheckConstraint(
                condition=models.Q(needs_review=False) | models.Q(author__isnull=True),
                name="campaign_pagerevision_reviewed_when_saved_by_a_person",
            ),
        ]

    def __str__(self) -> str:
        # In the site's time zone, like every other time the admin shows (a bare UTC time misled staff).
        return f"{self.page} ({self.language}, {timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            # Revisions are history: a change is a new revision, never an edit.
            raise ValueError("A page revision cannot be changed once published.")
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def has_placeholders(self) -> bool:
        return PLACEHOLDER_MARK in self.body or PLACEHOLDER_MARK in self.title

    @property
    def is_translation(self) -> bool:
        """Not in the site's own language: the French text is the one that counts (and the one signed)."""
        return self.language != settings.LANGUAGE_CODE


class OutgoingEmailQuerySet(models.QuerySet["OutgoingEmail"]):
    def due(self, now: datetime | None = None) -> "OutgoingEmailQuerySet":
        return self.filter(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now or timezone.now())


class OutgoingEmail(models.Model):
    """The intent to send one email, written in the transaction that caused it.

    It names the kind of email, the object it is about and the language; the
    worker renders the message when it sends it (``campaign.outbox``). The
    unique ``key`` makes queueing idempotent (the same logical message is
    never queued twice), and the row lock taken while sending makes delivery
    at most once per worker. Once sent, the recipient and parameters are
    erased; only the key, kind, status and times remain. Inserting rows
    notifies the worker (trigger ``campaign_outbox_notify``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")

    key = models.CharField(_("clé"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=100)
    # The object the email is about (its kind knows the model); gone at sending time, the email is dropped.
    object_id = models.BigIntegerField(_("objet concerné"), null=True, blank=True)
    language = models.CharField(_("langue"), max_length=10, blank=True)
    # What the object does not say, for kinds that need it (JSON).
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    # For kinds without object, or whose recipient is not the object's address.
    recipient = models.EmailField(_("destinataire"), blank=True)
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
                condition=~models.Q(status="pending") | ~models.Q(recipient="") | models.Q(object_id__isnull=False),
                name="campaign_outbox_pending_has_addressee",
            ),
            models.CheckConstraint(condition=~models.Q(kind=""), name="campaign_outbox_has_kind"),
        ]

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"

    @classmethod
    def current(cls, name: str) -> int:
        return cls.objects.filter(name=name).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls, name: str) -> None:
        updated = cls.objects.filter(name=name).update(value=models.F("value") + 1, changed_at=timezone.now())
        if not updated:
            CacheGeneration.objects.bulk_create([CacheGeneration(name=name, value=1)], ignore_conflicts=True)


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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One access by staff to personal data in bulk, or one change to a public count: who, when, what.

    Append-only. The admin grants nobody change or delete rights, ``save()``
    refuses to rewrite a row, and a PostgreSQL trigger (migration
    ``audit_log``) rejects any UPDATE or DELETE, whatever the client.
    """

    class Action(models.TextChoices):
        LIST = "list", _("Consultation d'une liste")
        EXPORT = "export", _("Export")
        # Paper signatures: who entered, accepted, refused or withdrew which batch.
        ENTER = "enter", _("Saisie")
        ACCEPT = "accept", _("Acceptation")
        REFUSE = "refuse", _("Refus")
        WITHDRAW = "withdraw", _("Retrait")

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

    def __str__(self) -> str:
        at = timezone.localtime(self.at)
        return f"{at:%d/%m/%Y %H:%M} {self.user_email} {self.get_action_display()} {self.model}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("An audit log entry cannot be changed.")
        super().save(*args, **kwargs)


class SecondFactor(Authenticator):
    """allauth's second factors under French names, for the admin: staff remove one when a phone is lost."""

    class Meta:
        proxy = True
        verbose_name = _("second facteur")
        verbose_name_plural = _("seconds facteurs (double authentification)")
