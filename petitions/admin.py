from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.admin_mixins import ReadOnlyAdminMixin
from campaign.audit import AuditedAdminMixin
from petitions import counter
from petitions.addresses import normalise_email
from petitions.models import OrganisationReach, Petition, Signature, SignatureTally


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["title", "featured", "goal", "signatures", "opens_at", "closes_at", "archived_at"]
    fields = ["title", "slug", "appeal", "goal", "opens_at", "closes_at", "featured", "archived_at"]
    readonly_fields = ["archived_at"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description=_("signatures confirmées"))
    def signatures(self, petition):
        return counter.stored_counts(petition.pk)[0]

    def delete_model(self, request, obj):
        # Signatures first, with the emails about them.
        Signature.objects.filter(petition=obj).erase()
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        Signature.objects.filter(petition__in=queryset).erase()
        super().delete_queryset(request, queryset)


@admin.register(Signature)
class SignatureAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff read signatures one by one (to answer a signer) and may delete them; nobody edits them.

    Every list view and export is written to the audit log.
    """

    actions = ["export_csv"]
    audit_export_fields = [
        ("first_name", _("Prénom")),
        ("last_name", pgettext_lazy("family name", "Nom")),
        ("email", _("Adresse e-mail")),
        ("postcode", _("Code postal")),
        ("departement", _("Département")),
        ("role", _("Qualité")),
        ("show_name", _("Nom affiché")),
        ("wants_news", _("Actualités")),
        ("created_at", _("Signée le")),
        ("confirmed_at", _("Confirmée le")),
    ]

    list_display = ["__str__", "departement", "role", "created_at", "confirmed_at", "show_name", "wants_news"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "role", "show_name", "wants_news", "petition"]
    search_fields = ["=email_normalised"]
    search_help_text = _("Adresse e-mail exacte du ou de la signataire.")
    readonly_fields = (
        "petition",
        "first_name",
        "last_name",
        "email",
        "email_normalised",
        "postcode",
        "departement",
        "role",
        "show_name",
        "wants_news",
        "via",
        "appeal_revision",
        "created_at",
        "confirmed_at",
        "reminders_sent",
        "last_reminded_at",
    )
    fields = readonly_fields
    # A million rows: no COUNT(*) of the whole table on each page.
    show_full_result_count = False
    list_per_page = 50
    deletable = True

    def get_search_results(self, request, queryset, search_term):
        # Staff type the address as the signer gave it; the index holds it normalised.
        return super().get_search_results(request, queryset, normalise_email(search_term) if search_term else "")

    def delete_model(self, request, obj):
        Signature.objects.filter(pk=obj.pk).erase()

    def delete_queryset(self, request, queryset):
        queryset.erase()


@admin.register(SignatureTally)
class SignatureTallyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What remains of a closed petition's signatures once their signers are erased."""

    list_display = ["petition", "day", "departement", "signatures"]
    list_filter = ["petition"]


@admin.register(OrganisationReach)
class OrganisationReachAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Confirmed signatures each organisation's link brought, per day: kept by triggers, read only.

    The organisations' editors see their own rows in their space; these
    figures appear on no public page.
    """

    list_display = ["organisation", "petition", "day", "signatures"]
    list_filter = ["petition", "organisation"]
    date_hierarchy = "day"
    list_select_related = ["organisation", "petition"]
    ordering = ["-day", "organisation__name"]
