from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        ]

    def __str__(self):
        return self.title

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)


class SignatureQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)


class Signature(models.Model):
    class Role(models.TextChoices):
        PARENT = "parent", _("Parent d'élève")
        TEACHER = "enseignant", _("Enseignant·e")
        EDUCATION_STAFF = "personnel", _("Autre personnel de l'éducation")
        OTHER = "autre", _("Autre")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse e-mail"), max_length=254)
    email_normalised = models.CharField(max_length=254, editable=False)
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

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "email_normalised"], name="petitions_signature_one_per_email"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name[:1]}."


# ---------------------------------------------------------------------------
# Signatory organisations and their editors
# ---------------------------------------------------------------------------


class OrganisationQuerySet(models.QuerySet):
    def approved(self):
        """Organisations shown publicly as co-signers."""
        return self.filter(status=Organisation.Status.APPROVED)


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
    short_name = models.CharField(_("sigle ou nom court"), max_length=50, blank=True)
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    # "national", or the code of a département ("38", "2A", "974").
    scope = models.CharField(_("périmètre"), max_length=8, default="national")
    website = models.URLField(_("site web"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    description = models.TextField(_("présentation"), blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approved_at = models.DateTimeField(_("approuvée le"), null=True, blank=True)
    contact_name = models.CharField(_("personne de contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
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
        ]

    def __str__(self):
        return self.name


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
