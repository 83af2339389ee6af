"""Signatory organisations and the people who speak for them.

The tables keep the names they were created with (``petitions_organisation``,
``petitions_membership``) when organisations were part of the petition app:
their rows, sequences, constraints and the name-key trigger stay as they are.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaign.departements import ABROAD, departement_label
from campaign.departements import NAMES as DEPARTEMENT_NAMES
from organisations.scopes import CODES as SCOPE_CODES
from organisations.scopes import scope_choices, scope_label


def normalised_name(expression: Combinable) -> models.Func:
    """The organisation name reduced to its comparison key, computed by PostgreSQL.

    ``petitions_normalised_name()`` (migration ``organisation_moderation_and_audit_log``)
    translates accented letters to their base letter, lowers the case, spells
    out œ and æ, and drops spaces and punctuation: "S.U.D. Éducation" and
    "sud education" give the same key. A trigger stores it in ``name_key``.
    """
    return models.Func(expression, function="petitions_normalised_name", output_field=models.CharField())


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def approved(self) -> "OrganisationQuerySet":
        """Organisations shown publicly as co-signers."""
        return self.filter(status=Organisation.Status.APPROVED)

    def holding_name(self) -> "OrganisationQuerySet":
        """Organisations whose name nobody else may take: approved, or pending with a confirmed contact.

        An unconfirmed request holds nothing, so a mistyped contact address
        or a prank does not lock the real organisation out.
        """
        return self.filter(HOLDS_NAME)

    def with_name_like(self, name: str) -> "OrganisationQuerySet":
        """Organisations whose name equals ``name`` ignoring case, accents, spaces and punctuation."""
        return self.filter(name_key=normalised_name(models.Value(name)))

    def awaiting_confirmation(self) -> "OrganisationQuerySet":
        return self.filter(status=Organisation.Status.PENDING, contact_confirmed_at__isnull=True)

    def to_moderate(self) -> "OrganisationQuerySet":
        return self.filter(status=Organisation.Status.PENDING, contact_confirmed_at__isnull=False)


def _http_url(value: str) -> None:
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
        db_table = "petitions_organisation"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.slug])

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def logo_alt_text(self) -> str:
        return self.logo_alt or _("Logo de %(name)s") % {"name": self.name}

    @property
    def scope_label(self) -> str | Promise:
        return scope_label(self.scope)

    @property
    def is_public(self) -> bool:
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
        db_table = "petitions_membership"

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"


# --- Paper signatures -------------------------------------------------------

# Where a paper signer lives: a département or collectivité, or abroad. A check
# constraint lists them: a change here needs a migration.
PAPER_DEPARTEMENTS = [*DEPARTEMENT_NAMES, ABROAD]
PAPER_BATCH_MIN = 1
PAPER_BATCH_MAX = 2000
PAPER_BATCH_MAX_LINES = 50


class PaperBatchQuerySet(models.QuerySet["PaperBatch"]):
    def pending(self) -> "PaperBatchQuerySet":
        """Batches waiting for staff's review, oldest first."""
        return self.filter(status=PaperBatch.Status.PENDING).order_by("created_at", "pk")

    def accepted(self) -> "PaperBatchQuerySet":
        """The batches that count: the only definition of it."""
        return self.filter(status=PaperBatch.Status.ACCEPTED)


class PaperBatch(models.Model):
    """Signatures collected on paper sheets, entered as counts per département by an editor or staff.

    No name is ever entered: the sheets stay with the organisation. Only
    accepted batches count; ``PaperTally`` holds their sum per département,
    kept by triggers (migration ``paper_batches``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        REFUSED = "refused", _("Refusée")
        WITHDRAWN = "withdrawn", _("Retirée")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="paper_batches", verbose_name=_("organisation")
    )
    collected_on = models.DateField(_("date de la collecte"))
    signatures = models.PositiveIntegerField(_("signatures"))
    note = models.TextField(_("remarque"), blank=True, max_length=1000)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # SET_NULL: the batch stays when an account goes; who did what stays in the audit log.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    created_at = models.DateTimeField(_("saisi le"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    reason = models.TextField(_("motif du refus ou du retrait"), blank=True)

    objects = PaperBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot de signatures papier")
        verbose_name_plural = _("lots de signatures papier")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signatures__gte=PAPER_BATCH_MIN, signatures__lte=PAPER_BATCH_MAX),
                name="organisations_paperbatch_signatures_bounds",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_at__isnull=False),
                name="organisations_paperbatch_reviewed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="organisations_paperbatch_withdrawn_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["refused", "withdrawn"]) | ~Q(reason=""),
                name="organisations_paperbatch_refusal_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="organisations_paper_status_idx")]

    def __str__(self) -> str:
        return _("%(organisation)s, %(count)s signatures du %(date)s") % {
            "organisation": self.organisation,
            "count": self.signatures,
            "date": self.collected_on.strftime("%d/%m/%Y"),
        }

    @property
    def counts(self) -> bool:
        return self.status == self.Status.ACCEPTED


class PaperBatchLine(models.Model):
    """How many signatures of a batch came from one département (a check at commit keeps their sum the batch's)."""

    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("lot"))
    departement = models.CharField(_("département"), max_length=8)
    signatures = models.PositiveIntegerField(_("signatures"))

    class Meta:
        verbose_name = _("ligne d'un lot")
        verbose_name_plural = _("lignes du lot")
        ordering = ["batch", "departement"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "departement"], name="organisations_paperline_unique"),
            models.CheckConstraint(
                condition=Q(signatures__gte=PAPER_BATCH_MIN, signatures__lte=PAPER_BATCH_MAX),
                name="organisations_paperline_signatures_bounds",
            ),
            models.CheckConstraint(
                condition=Q(departement__in=PAPER_DEPARTEMENTS), name="organisations_paperline_departement_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{departement_label(self.departement)} : {self.signatures}"


class PaperTally(models.Model):
    """Accepted paper signatures of one département: written by triggers only, read by the count.

    One row per département, changed only when staff accept or withdraw a
    batch (a few times a day): no hot row, and exact at every commit.
    """

    departement = models.CharField(_("département"), max_length=8, unique=True)
    signatures = models.IntegerField(_("signatures"), default=0)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("total papier d'un département")
        verbose_name_plural = _("totaux papier par département")
        ordering = ["departement"]
        constraints = [
            models.CheckConstraint(condition=Q(signatures__gte=0), name="organisations_papertally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{departement_label(self.departement)} : {self.signatures}"
