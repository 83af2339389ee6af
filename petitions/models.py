import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Func, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.departements import ABROAD, departement_label
from petitions.organisations.scopes import CODES as SCOPE_CODES
from petitions.organisations.scopes import scope_choices, scope_label

# ---------------------------------------------------------------------------
# Petition and signatures
# ---------------------------------------------------------------------------


class PetitionQuerySet(models.QuerySet):
    def featured(self):
        """The petition the site puts forward (at most one, enforced by a constraint)."""
        return self.filter(featured=True)


class Petition(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), unique=True)
    appeal = models.ForeignKey(
        "campaign.Page",
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("texte signé"),
        help_text=_("Chaque signature retient la version de ce texte en vigueur au moment où elle est donnée."),
    )
    goal = models.PositiveIntegerField(_("objectif"), default=10_000)
    opens_at = models.DateTimeField(_("ouverture"), default=timezone.now)
    closes_at = models.DateTimeField(_("clôture"), null=True, blank=True)
    featured = models.BooleanField(_("mise en avant sur le site"), default=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    # Set when the signers' personal data were erased after closing
    # (`prune_signatures`); only the counts per département and day remain.
    archived_at = models.DateTimeField(_("données des signataires effacées le"), null=True, blank=True, editable=False)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("pétition")
        verbose_name_plural = _("pétitions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["featured"], condition=Q(featured=True), name="petitions_one_featured"),
            models.CheckConstraint(condition=Q(goal__gt=0), name="petitions_petition_goal_positive"),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="petitions_petition_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True)
                | Q(closes_at__isnull=False, archived_at__gte=models.F("closes_at")),
                name="petitions_petition_archived_after_closing",
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)


def new_token():
    # 128 random bits. Links carry it signed (petitions.tokens), so the
    # database alone, without SECRET_KEY, cannot forge a link.
    return secrets.token_urlsafe(16)


class SignatureQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def public(self):
        """Confirmed signatures whose signers asked to appear in the public list."""
        return self.confirmed().filter(show_name=True)

    def expired(self, now=None):
        """Pending signatures whose confirmation link has expired: due for deletion."""
        now = now or timezone.now()
        return self.pending().filter(created_at__lte=now - timedelta(days=settings.SIGNATURE_CONFIRMATION_DAYS))

    def erase(self):
        """Delete these signatures and every email about them; return how many signatures.

        Queued and failed emails hold the address; sent ones hold nothing
        personal but their keys name the signature: all go. The counter
        follows through the database triggers.
        """
        from campaign.models import OutgoingEmail

        signature_id = Func(
            models.F("key"), models.Value(":"), models.Value(2), function="split_part", output_field=models.CharField()
        )
        ids = self.order_by().annotate(id_text=Cast("pk", models.CharField())).values("id_text")
        with transaction.atomic():
            OutgoingEmail.objects.filter(key__startswith=Signature.EMAIL_KEY_PREFIX).alias(
                signature_id=signature_id
            ).filter(signature_id__in=ids).delete()
            _, deleted = self.delete()
        return deleted.get(Signature._meta.label, 0)


class SignerRole(models.TextChoices):
    PARENT = "parent", _("Parent d'élève")
    TEACHER = "enseignant", _("Enseignant·e")
    EDUCATION_STAFF = "personnel", _("Autre personnel de l'éducation")
    OTHER = "autre", _("Autre")


class Signature(models.Model):
    Role = SignerRole

    # Every email about a signature has a key starting with
    # f"{EMAIL_KEY_PREFIX}{pk}:", so erasing the signature finds them.
    EMAIL_KEY_PREFIX = "signature:"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse e-mail"), max_length=254)
    email_normalised = models.CharField(_("adresse e-mail normalisée"), max_length=254, editable=False)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    departement = models.CharField(_("département"), max_length=8)
    role = models.CharField(_("qualité"), max_length=12, choices=Role.choices)
    show_name = models.BooleanField(_("nom affiché publiquement"), default=False)
    wants_news = models.BooleanField(_("reçoit les actualités"), default=False)
    appeal_revision = models.ForeignKey(
        "campaign.PageRevision", on_delete=models.PROTECT, related_name="+", verbose_name=_("version signée")
    )
    created_at = models.DateTimeField(_("signée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    token = models.CharField(_("jeton des liens"), max_length=32, unique=True, default=new_token, editable=False)
    # "You have already signed" and re-sent confirmations: how many, and the
    # last one, so that the form cannot be used to flood someone's inbox.
    reminders_sent = models.PositiveSmallIntegerField(_("rappels envoyés"), default=0)
    last_reminded_at = models.DateTimeField(_("dernier rappel"), null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "email_normalised"], name="petitions_signature_one_per_email"),
            # Being confirmed *is* having a confirmation time (the count, the
            # list and the news all read `confirmed_at`); the database makes
            # sure that time is a real one, not earlier than the signature.
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_at__gte=models.F("created_at")),
                name="petitions_signature_confirmed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""), name="petitions_signature_names_not_empty"
            ),
            models.CheckConstraint(condition=~Q(email_normalised=""), name="petitions_signature_email_not_empty"),
            models.CheckConstraint(condition=Q(role__in=SignerRole.values), name="petitions_signature_role_valid"),
            models.CheckConstraint(
                condition=Q(postcode__regex=r"^([0-9]{5})?$"), name="petitions_signature_postcode_format"
            ),
            models.CheckConstraint(
                condition=~Q(postcode="") | Q(departement=ABROAD), name="petitions_signature_postcode_or_abroad"
            ),
            models.CheckConstraint(
                condition=Q(reminders_sent=0, last_reminded_at__isnull=True)
                | Q(reminders_sent__gt=0, last_reminded_at__isnull=False),
                name="petitions_signature_reminder_has_time",
            ),
        ]
        indexes = [
            # The public list, newest first, read one page at a time.
            models.Index(
                "petition",
                models.F("confirmed_at").desc(),
                models.F("id").desc(),
                condition=Q(show_name=True, confirmed_at__isnull=False),
                name="petitions_signature_public_idx",
            ),
            # Pruning unconfirmed signatures.
            models.Index(
                fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="petitions_sig_pending_idx"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name[:1]}."

    def delete(self, *args, **kwargs):
        # With the emails about it, which hold the address.
        erased = Signature.objects.filter(pk=self.pk).erase()
        return erased, {self._meta.label: erased}

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def public_name(self):
        """First name and initial of the last name: "Zoé L."."""
        return f"{self.first_name} {self.last_name[:1].upper()}."

    @property
    def departement_name(self):
        return departement_label(self.departement)

    def email_key(self, kind, number=0):
        return f"{self.EMAIL_KEY_PREFIX}{self.pk}:{kind}:{number}"

    def queued_emails(self):
        """Emails to this signer not sent yet (they hold the address)."""
        from campaign.models import OutgoingEmail

        return OutgoingEmail.objects.filter(key__startswith=f"{self.EMAIL_KEY_PREFIX}{self.pk}:").exclude(
            status=OutgoingEmail.Status.SENT
        )

    def confirmation_expires_at(self):
        return self.created_at + timedelta(days=settings.SIGNATURE_CONFIRMATION_DAYS)

    def confirmation_expired(self, now=None):
        return not self.is_confirmed and (now or timezone.now()) >= self.confirmation_expires_at()


class SignatureCounter(models.Model):
    """One of a few shards of a petition's count; the count is their sum.

    Database triggers on the signatures table (migration
    0003_signature_counter_triggers) keep the shards in step with the
    confirmed signatures in the very transaction that changes them, adding
    each statement's change to a random shard: concurrent confirmations
    rarely wait for one another, and reading the count sums a handful of rows
    whatever the number of signatures. `reconcile_counts` checks them
    against COUNT(*).
    """

    # The unique (petition, shard) index serves lookups by petition.
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="counters", db_index=False)
    shard = models.PositiveSmallIntegerField()
    confirmed = models.BigIntegerField(default=0)
    public = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("compteur")
        verbose_name_plural = _("compteurs")
        constraints = [
            models.UniqueConstraint(fields=["petition", "shard"], name="petitions_signaturecounter_one_per_shard"),
        ]

    def __str__(self):
        return f"{self.petition_id}/{self.shard}: {self.confirmed}"


class SignatureTally(models.Model):
    """What remains of the signatures once their personal data are erased.

    The number of confirmed signatures per département and per day, counted
    when `prune_signatures` erases a closed petition's signers.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="tallies")
    day = models.DateField(_("jour"))
    departement = models.CharField(_("département"), max_length=8)
    signatures = models.PositiveIntegerField(_("signatures"))

    class Meta:
        verbose_name = _("total anonyme")
        verbose_name_plural = _("totaux anonymes")
        ordering = ["day", "departement"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "day", "departement"], name="petitions_signaturetally_one_per_day_departement"
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.departement}: {self.signatures}"


# ---------------------------------------------------------------------------
# Signatory organisations and their editors
# ---------------------------------------------------------------------------


def normalised_name(expression):
    """The organisation name reduced to its comparison key, computed by PostgreSQL.

    ``petitions_normalised_name()`` (migration ``organisation_moderation_and_audit_log``)
    translates accented letters to their base letter, lowers the case, spells
    out œ and æ, and drops spaces and punctuation: "S.U.D. Éducation" and
    "sud education" give the same key. A trigger stores it in ``name_key``.
    """
    return models.Func(expression, function="petitions_normalised_name", output_field=models.CharField())


class OrganisationQuerySet(models.QuerySet):
    def approved(self):
        """Organisations shown publicly as co-signers."""
        return self.filter(status=Organisation.Status.APPROVED)

    def holding_name(self):
        """Organisations whose name nobody else may take: approved, or pending with a confirmed contact.

        An unconfirmed request holds nothing, so a mistyped contact address
        or a prank does not lock the real organisation out.
        """
        return self.filter(HOLDS_NAME)

    def with_name_like(self, name):
        """Organisations whose name equals ``name`` ignoring case, accents, spaces and punctuation."""
        return self.filter(name_key=normalised_name(models.Value(name)))

    def awaiting_confirmation(self):
        return self.filter(status=Organisation.Status.PENDING, contact_confirmed_at__isnull=True)

    def to_moderate(self):
        return self.filter(status=Organisation.Status.PENDING, contact_confirmed_at__isnull=False)


def _http_url(value):
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValidationError(_("Indiquez une adresse commençant par http:// ou https://."), code="scheme")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        UNION = "syndicat", _("Syndicat")
        PEDAGOGICAL = "mouvement", _("Mouvement pédagogique")
        ASSOCIATION = "association", _("Association")
        PARENTS = "parents", _("Association de parents d'élèves")
        COLLECTIVE = "collectif", _("Collectif")
        OTHER = "autre", _("Autre")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Approuvée")
        REFUSED = "refused", _("Refusée")
        WITHDRAWN = "withdrawn", _("Retirée")

    name = models.CharField(_("nom"), max_length=200)
    # Written by a trigger on every insert and update (see normalised_name); never by Python.
    name_key = models.CharField(_("nom normalisé"), max_length=200, editable=False, default="")
    short_name = models.CharField(_("sigle ou nom court"), max_length=50, blank=True)
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    # "national", or the code of a département ("38", "2A", "974").
    scope = models.CharField(_("périmètre"), max_length=8, default="national", choices=scope_choices)
    website = models.URLField(_("site web"), blank=True, validators=[_http_url])
    logo = models.ImageField(
        _("logo"), upload_to="logos/", blank=True, width_field="logo_width", height_field="logo_height"
    )
    logo_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    logo_alt = models.CharField(
        _("texte alternatif du logo"),
        max_length=200,
        blank=True,
        help_text=_("Ce que montre le logo, pour qui ne le voit pas. Par défaut : « Logo de » suivi du nom."),
    )
    description = models.TextField(_("présentation"), blank=True)
    founding = models.BooleanField(
        _("signataire de l'appel initial"),
        default=False,
        help_text=_("Organisation nommée dans le texte de l'appel."),
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approved_at = models.DateTimeField(_("approuvée le"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refusée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    contact_name = models.CharField(_("personne de contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_confirmed_at = models.DateTimeField(_("adresse de contact confirmée le"), null=True, blank=True)
    consent_at = models.DateTimeField(
        _("consentement donné le"),
        null=True,
        blank=True,
        help_text=_("Quand la personne de contact a accepté le traitement de ses coordonnées."),
    )
    join_message = models.TextField(_("message joint à la demande"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation signataire")
        verbose_name_plural = _("organisations signataires")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="petitions_organisation_approved_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | Q(refused_at__isnull=False),
                name="petitions_organisation_refused_has_date",
            ),
            models.UniqueConstraint(
                fields=["name_key"],
                condition=Q(status="approved") | Q(status="pending", contact_confirmed_at__isnull=False),
                name="petitions_organisation_unique_name",
                violation_error_message=_("Une organisation de ce nom est déjà signataire ou en attente."),
            ),
            models.CheckConstraint(condition=~Q(name_key=""), name="petitions_organisation_name_has_letters"),
            models.CheckConstraint(condition=Q(scope__in=SCOPE_CODES), name="petitions_organisation_scope_known"),
            models.CheckConstraint(
                condition=Q(website="") | Q(website__startswith="http://") | Q(website__startswith="https://"),
                name="petitions_organisation_website_http",
            ),
            models.CheckConstraint(
                condition=Q(logo="")
                | Q(logo_width__isnull=False, logo_height__isnull=False, logo_width__gt=0, logo_height__gt=0),
                name="petitions_organisation_logo_has_size",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="petitions_org_status_kind_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:detail", args=[self.slug])

    @property
    def display_name(self):
        return self.short_name or self.name

    @property
    def logo_alt_text(self):
        return self.logo_alt or _("Logo de %(name)s") % {"name": self.name}

    @property
    def scope_label(self):
        return scope_label(self.scope)

    @property
    def is_public(self):
        return self.status == self.Status.APPROVED


HOLDS_NAME = Q(status=Organisation.Status.APPROVED) | Q(
    status=Organisation.Status.PENDING, contact_confirmed_at__isnull=False
)


class Membership(models.Model):
    """A user who may speak for an organisation (publish its news, edit its profile)."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Rédacteur·rice")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membre d'une organisation")
        verbose_name_plural = _("membres des organisations")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="petitions_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation}"


# ---------------------------------------------------------------------------
# Audit log of staff access to personal data
# ---------------------------------------------------------------------------


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

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.get_action_display()} {self.model}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An audit log entry cannot be changed.")
        super().save(*args, **kwargs)
