import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Func, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.departements import ABROAD, departement_label
from campaign.models import OutgoingEmail


class PetitionQuerySet(models.QuerySet["Petition"]):
    def featured(self) -> "PetitionQuerySet":
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

    def __str__(self) -> str:
        return self.title

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)


# An address as typed, and normalised (petitions.addresses): the longest SMTP allows.
EMAIL_MAX_LENGTH = 254


def new_token() -> str:
    # 128 random bits. Links carry it signed (petitions.tokens), so the
    # database alone, without SECRET_KEY, cannot forge a link.
    return secrets.token_urlsafe(16)


class SignatureQuerySet(models.QuerySet["Signature"]):
    def confirmed(self) -> "SignatureQuerySet":
        return self.filter(confirmed_at__isnull=False)

    def pending(self) -> "SignatureQuerySet":
        return self.filter(confirmed_at__isnull=True)

    def public(self) -> "SignatureQuerySet":
        """Confirmed signatures whose signers asked to appear in the public list."""
        return self.confirmed().filter(show_name=True)

    def expired(self, now: datetime | None = None) -> "SignatureQuerySet":
        """Pending signatures whose confirmation link has expired: due for deletion."""
        now = now or timezone.now()
        return self.pending().filter(created_at__lte=now - timedelta(days=settings.SIGNATURE_CONFIRMATION_DAYS))

    def erase(self) -> int:
        """Delete these signatures and every email about them; return how many signatures.

        Queued and failed emails are about the signature (some hold the
        address); sent ones hold nothing personal but their keys name the
        signature: all go. The counter
        follows through the database triggers.
        """
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
    email = models.EmailField(_("adresse e-mail"), max_length=EMAIL_MAX_LENGTH)
    email_normalised = models.CharField(_("adresse e-mail normalisée"), max_length=EMAIL_MAX_LENGTH, editable=False)
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
    # The organisation whose link brought the signer (/s/<slug>/): its editors
    # see how many confirmed signatures it brought per day (OrganisationReach),
    # never who. Erased with the signature. An organisation deleted from the
    # site leaves the signatures in place, without the mention.
    via = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,  # see the partial index below: most signers come without a link
        related_name="+",
        verbose_name=_("venue par le lien de"),
    )

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
            # Setting `via` to NULL when an organisation is deleted.
            models.Index(fields=["via"], condition=Q(via__isnull=False), name="petitions_signature_via_idx"),
            # Pruning unconfirmed signatures.
            models.Index(
                fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="petitions_sig_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name[:1]}."

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # With the emails about it, which hold the address.
        erased = Signature.objects.filter(pk=self.pk).erase()
        return erased, {self._meta.label: erased}

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def public_name(self) -> str:
        """First name and initial of the last name: "Zoé L."."""
        return f"{self.first_name} {self.last_name[:1].upper()}."

    @property
    def departement_name(self) -> str:
        return departement_label(self.departement)

    def email_key(self, kind: str, number: int = 0) -> str:
        return f"{self.EMAIL_KEY_PREFIX}{self.pk}:{kind}:{number}"

    def queued_emails(self) -> models.QuerySet[OutgoingEmail]:
        """Emails to this signer not sent yet."""
        return OutgoingEmail.objects.filter(key__startswith=f"{self.EMAIL_KEY_PREFIX}{self.pk}:").exclude(
            status=OutgoingEmail.Status.SENT
        )

    def confirmation_expires_at(self) -> datetime:
        return self.created_at + timedelta(days=settings.SIGNATURE_CONFIRMATION_DAYS)

    def confirmation_expired(self, now: datetime | None = None) -> bool:
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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return f"{self.day} {self.departement}: {self.signatures}"


class DepartementFigure(models.Model):
    """One shard of a petition's confirmed signatures from one département (or abroad).

    Like SignatureCounter, kept by database triggers (migration
    0006_signature_figures) in the transaction that confirms, withdraws or
    erases a signature: each statement adds its change to one of a few shards
    chosen at random, so that two signers from Paris seldom wait for the same
    row. A figure is the sum of its shards. Erasing a closed petition's
    signers (`services.archive`) leaves these figures as they are; withdrawing
    lowers them.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", db_index=False)
    departement = models.CharField(_("département"), max_length=8)
    shard = models.PositiveSmallIntegerField()
    signatures = models.BigIntegerField(_("signatures"), default=0)

    class Meta:
        verbose_name = _("signatures par département")
        verbose_name_plural = _("signatures par département")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "departement", "shard"], name="petitions_departementfigure_one_per_shard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.departement}/{self.shard}: {self.signatures}"


class DayFigure(models.Model):
    """One shard of a petition's signatures confirmed on one day (Europe/Paris), kept by triggers."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("jour"))
    shard = models.PositiveSmallIntegerField()
    signatures = models.BigIntegerField(_("signatures"), default=0)

    class Meta:
        verbose_name = _("signatures par jour")
        verbose_name_plural = _("signatures par jour")
        constraints = [
            models.UniqueConstraint(fields=["petition", "day", "shard"], name="petitions_dayfigure_one_per_shard"),
        ]

    def __str__(self) -> str:
        return f"{self.day}/{self.shard}: {self.signatures}"


class RoleFigure(models.Model):
    """One shard of a petition's confirmed signatures given in one role, kept by triggers."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", db_index=False)
    role = models.CharField(_("qualité"), max_length=12, choices=SignerRole.choices)
    shard = models.PositiveSmallIntegerField()
    signatures = models.BigIntegerField(_("signatures"), default=0)

    class Meta:
        verbose_name = _("signatures par qualité")
        verbose_name_plural = _("signatures par qualité")
        constraints = [
            models.UniqueConstraint(fields=["petition", "role", "shard"], name="petitions_rolefigure_one_per_shard"),
        ]

    def __str__(self) -> str:
        return f"{self.role}/{self.shard}: {self.signatures}"


class RoleTally(models.Model):
    """The confirmed signatures per role of an erased petition (SignatureTally holds département and day)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="role_tallies")
    role = models.CharField(_("qualité"), max_length=12, choices=SignerRole.choices)
    signatures = models.PositiveIntegerField(_("signatures"))

    class Meta:
        verbose_name = _("total anonyme par qualité")
        verbose_name_plural = _("totaux anonymes par qualité")
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "role"], name="petitions_roletally_one_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.signatures}"


class OrganisationReach(models.Model):
    """Confirmed signatures an organisation's link brought, per petition and day (Paris time).

    Kept by database triggers on the signatures table (migration
    0007_signature_via_and_organisation_reach) in the transaction that
    confirms, withdraws or erases a signature, like SignatureCounter: the
    editors' chart reads a few rows, never the signatures. Not public.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("organisation"),
    )
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+", verbose_name=_("pétition"))
    day = models.DateField(_("jour"))
    signatures = models.IntegerField(_("signatures confirmées"), default=0)

    class Meta:
        verbose_name = _("signatures apportées par une organisation")
        verbose_name_plural = _("signatures apportées par les organisations")
        ordering = ["organisation", "day"]
        constraints = [
            # The unique index serves the editors' reads (organisation, petition, days in order).
            models.UniqueConstraint(
                fields=["organisation", "petition", "day"], name="petitions_organisationreach_one_per_day"
            ),
            models.CheckConstraint(condition=Q(signatures__gte=0), name="petitions_organisationreach_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.day}: {self.signatures}"
