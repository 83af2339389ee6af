"""Moderation of signatory organisations and their editors, in the admin (staff only)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaign.audit import AuditedAdminMixin
from campaign.departements import departement_label
from campaign.images import ImageUploadField
from organisations import paper, services
from organisations.forms import (
    LOGO_MAX_BYTES,
    LOGO_MAX_SIDE,
    NAME_TAKEN,
    InviteForm,
    PaperDecisionForm,
    RefuseForm,
    StaffPaperBatchForm,
)
from organisations.models import Membership, Organisation, PaperBatch, PaperBatchLine


class OrganisationAdminForm(forms.ModelForm):
    new_logo = ImageUploadField(
        label=_("Nouveau logo"), required=False, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_MAX_SIDE
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "slug",
            "kind",
            "scope",
            "website",
            "description",
            "founding",
            "logo_alt",
            "contact_name",
            "contact_email",
        ]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        holds_name = (
            self.instance.pk is None or Organisation.objects.holding_name().filter(pk=self.instance.pk).exists()
        )
        if holds_name and services.name_is_taken(name, exclude=self.instance if self.instance.pk else None):
            raise forms.ValidationError(NAME_TAKEN, code="taken")
        return name


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name = _("rédacteur·rice")
    verbose_name_plural = _("rédacteurs et rédactrices (comptes qui peuvent publier pour l'organisation)")


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("adresse de contact")
    parameter_name = "contact"

    def lookups(self, request, model_admin):
        return [("confirmed", _("confirmée")), ("unconfirmed", _("non confirmée"))]

    def queryset(self, request, queryset):
        if self.value() == "confirmed":
            return queryset.filter(contact_confirmed_at__isnull=False)
        if self.value() == "unconfirmed":
            return queryset.filter(contact_confirmed_at__isnull=True)
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = OrganisationAdminForm
    change_form_template = "admin/organisations/organisation/change_form.html"
    list_display = ["name", "status", "decision", "kind", "scope", "contact_confirmed", "created_at", "approved_at"]
    list_filter = ["status", ConfirmedFilter, "kind", "founding"]
    search_fields = ["name", "short_name", "contact_name", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    readonly_fields = [
        "logo_preview",
        "status",
        "created_at",
        "approved_at",
        "refused_at",
        "refusal_reason",
        "contact_confirmed_at",
        "consent_at",
        "join_message",
    ]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "kind", "scope", "website", "description", "founding"]}),
        (_("Logo"), {"fields": ["logo_preview", "new_logo", "remove_logo", "logo_alt"]}),
        (
            _("Contact (jamais publié)"),
            {"fields": ["contact_name", "contact_email", "contact_confirmed_at", "consent_at", "join_message"]},
        ),
        (_("Modération"), {"fields": ["status", "created_at", "approved_at", "refused_at", "refusal_reason"]}),
    ]
    actions = ["export_csv"]
    audit_export_fields = [
        ("name", _("Nom")),
        ("short_name", _("Sigle")),
        (lambda o: o.get_kind_display(), _("Type")),
        ("scope", _("Périmètre")),
        (lambda o: o.get_status_display(), _("État")),
        ("website", _("Site web")),
        ("contact_name", _("Contact")),
        ("contact_email", _("E-mail de contact")),
        ("approved_at", _("Approuvée le")),
    ]

    def get_ordering(self, request):
        # Requests awaiting a decision (Organisation.objects.to_moderate()) come first, then by name.
        awaiting = Q(status=Organisation.Status.PENDING, contact_confirmed_at__isnull=False)
        return [Case(When(awaiting, then=0), default=1).asc(), "name"]

    @admin.display(description=_("contact confirmé"), boolean=True, ordering="contact_confirmed_at")
    def contact_confirmed(self, organisation):
        return organisation.contact_confirmed_at is not None

    @admin.display(description=_("décision"))
    def decision(self, organisation):
        if organisation.status != Organisation.Status.PENDING:
            return "—"
        return format_html(
            '<a class="decision-button decision-approve" href="{}">{}</a>'
            '<a class="decision-button decision-refuse" href="{}">{}</a>',
            reverse("admin:organisations_organisation_approve", args=[organisation.pk]),
            _("Approuver"),
            reverse("admin:organisations_organisation_refuse", args=[organisation.pk]),
            _("Refuser"),
        )

    @admin.display(description=_("logo actuel"))
    def logo_preview(self, organisation):
        if not organisation.logo:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            organisation.logo.url,
            organisation.logo_alt_text,
            organisation.logo_width,
            organisation.logo_height,
        )

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("new_logo"):
            services.set_logo(obj, form.cleaned_data["new_logo"])
        elif form.cleaned_data.get("remove_logo"):
            services.set_logo(obj, None)
        super().save_model(request, obj, form, change)

    # --- Moderation views -------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/approuver/", wrap(self.approve_view), name="organisations_organisation_approve"),
            path("<int:object_id>/refuser/", wrap(self.refuse_view), name="organisations_organisation_refuse"),
            path("<int:object_id>/retirer/", wrap(self.withdraw_view), name="organisations_organisation_withdraw"),
            path("<int:object_id>/inviter/", wrap(self.invite_view), name="organisations_organisation_invite"),
            *super().get_urls(),
        ]

    def _moderated(self, request, object_id, allowed_statuses):
        organisation = get_object_or_404(Organisation, pk=object_id)
        if not self.has_change_permission(request, organisation):
            raise PermissionDenied
        if organisation.status not in allowed_statuses:
            self.message_user(
                request, _("Cette action ne s'applique pas à une organisation dans cet état."), messages.ERROR
            )
            return organisation, redirect(self._change_url(organisation))
        return organisation, None

    def _change_url(self, organisation):
        return reverse("admin:organisations_organisation_change", args=[organisation.pk])

    def _render(self, request, organisation, title, form=None, text="", button=""):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "organisation": organisation,
            "original": organisation,
            "title": title,
            "form": form,
            "text": text,
            "button": button,
            "change_url": self._change_url(organisation),
        }
        return TemplateResponse(request, "admin/organisations/organisation/moderate.html", context)

    def approve_view(self, request, object_id):
        allowed = [Organisation.Status.PENDING, Organisation.Status.REFUSED, Organisation.Status.WITHDRAWN]
        organisation, refusal = self._moderated(request, object_id, allowed)
        if refusal:
            return refusal
        if request.method == "POST":
            try:
                services.approve(organisation)
            except services.NameTaken:
                self.message_user(request, NAME_TAKEN, messages.ERROR)
                return redirect(self._change_url(organisation))
            self.log_change(request, organisation, "Approuvée")
            self.message_user(
                request,
                _("« %(name)s » est approuvée et figure sur le site. La personne de contact est prévenue.")
                % {"name": organisation.name},
                messages.SUCCESS,
            )
            return redirect(self._change_url(organisation))
        text = _(
            "L'organisation apparaîtra aussitôt sur le site. La personne de contact recevra un e-mail qui "
            "l'invite à choisir un mot de passe pour publier au nom de l'organisation."
        )
        return self._render(
            request,
            organisation,
            _("Approuver « %(name)s »") % {"name": organisation.name},
            text=text,
            button=_("Approuver"),
        )

    def refuse_view(self, request, object_id):
        organisation, refusal = self._moderated(request, object_id, [Organisation.Status.PENDING])
        if refusal:
            return refusal
        form = RefuseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.refuse(organisation, form.cleaned_data["reason"])
            self.log_change(request, organisation, "Refusée")
            self.message_user(
                request,
                _("La demande de « %(name)s » est refusée ; la personne de contact a reçu le motif.")
                % {"name": organisation.name},
                messages.SUCCESS,
            )
            return redirect(self._change_url(organisation))
        return self._render(
            request,
            organisation,
            _("Refuser « %(name)s »") % {"name": organisation.name},
            form=form,
            button=_("Refuser et prévenir le contact"),
        )

    def withdraw_view(self, request, object_id):
        organisation, refusal = self._moderated(request, object_id, [Organisation.Status.APPROVED])
        if refusal:
            return refusal
        if request.method == "POST":
            services.withdraw(organisation)
            self.log_change(request, organisation, "Retirée")
            self.message_user(
                request,
                _("« %(name)s » ne figure plus parmi les signataires.") % {"name": organisation.name},
                messages.SUCCESS,
            )
            return redirect(self._change_url(organisation))
        text = _(
            "L'organisation disparaîtra des pages publiques et ses rédacteurs ne pourront plus publier en son nom."
        )
        return self._render(
            request,
            organisation,
            _("Retirer « %(name)s »") % {"name": organisation.name},
            text=text,
            button=_("Retirer"),
        )

    def invite_view(self, request, object_id):
        organisation, refusal = self._moderated(request, object_id, [Organisation.Status.APPROVED])
        if refusal:
            return refusal
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            membership = services.send_invitation(
                organisation, form.cleaned_data["email"], form.cleaned_data["full_name"]
            )
            self.log_change(request, organisation, f"Invitation envoyée à {membership.user.email}")
            self.message_user(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": membership.user.email},
                messages.SUCCESS,
            )
            return redirect(self._change_url(organisation))
        return self._render(
            request,
            organisation,
            _("Inviter un·e rédacteur·rice pour « %(name)s »") % {"name": organisation.name},
            form=form,
            text=_(
                "La personne reçoit un lien pour choisir son mot de passe, "
                "puis devra activer la double authentification."
            ),
            button=_("Envoyer l'invitation"),
        )


# --- Paper signatures -------------------------------------------------------


class PaperBatchLineInline(admin.TabularInline):
    model = PaperBatchLine
    extra = 0
    fields = ["departement_display", "signatures"]
    readonly_fields = ["departement_display", "signatures"]
    can_delete = False
    verbose_name_plural = _("signatures par département")

    @admin.display(description=_("département"))
    def departement_display(self, line):
        return departement_label(line.departement)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaperBatch)
class PaperBatchAdmin(admin.ModelAdmin):
    """Staff review batches here: accept, refuse with a reason, withdraw with a reason; or enter one themselves.

    A batch is never edited nor deleted: a mistake is refused (or withdrawn)
    and entered again, so that the audit log tells the whole story.
    """

    change_form_template = "admin/organisations/paperbatch/change_form.html"
    list_display = ["organisation", "collected_on", "signatures", "status", "created_at", "entered_by"]
    list_filter = ["status"]
    list_select_related = ["organisation", "entered_by"]
    search_fields = ["organisation__name", "organisation__short_name"]
    date_hierarchy = "created_at"
    inlines = [PaperBatchLineInline]
    fields = readonly_fields = (
        "organisation",
        "collected_on",
        "signatures",
        "note",
        "status",
        "entered_by",
        "created_at",
        "reviewed_at",
        "withdrawn_at",
        "reason",
    )

    def has_change_permission(self, request, obj=None):
        # A batch's page shows it with its decision buttons; nothing in it is edited in a form.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("saisir/", wrap(self.enter_view), name="organisations_paperbatch_enter"),
            path("<int:object_id>/accepter/", wrap(self.accept_view), name="organisations_paperbatch_accept"),
            path("<int:object_id>/refuser/", wrap(self.refuse_view), name="organisations_paperbatch_refuse"),
            path("<int:object_id>/retirer/", wrap(self.withdraw_view), name="organisations_paperbatch_withdraw"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:organisations_paperbatch_enter")

    def _change_url(self, batch):
        return reverse("admin:organisations_paperbatch_change", args=[batch.pk])

    def _render(self, request, title, *, batch=None, form=None, text="", button="", template="moderate.html"):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "batch": batch,
            "original": batch,
            "title": title,
            "form": form,
            "text": text,
            "button": button,
            "change_url": self._change_url(batch) if batch else reverse("admin:organisations_paperbatch_changelist"),
        }
        return TemplateResponse(request, f"admin/organisations/paperbatch/{template}", context)

    def _decided(self, request, object_id, decision, **kwargs):
        batch = get_object_or_404(PaperBatch, pk=object_id)
        try:
            batch = decision(batch, user=request.user, **kwargs)
        except paper.InvalidTransition:
            self.message_user(request, _("Cette décision ne s'applique pas à un lot dans cet état."), messages.ERROR)
            return None
        return batch

    def _check_permission(self, request):
        if not super().has_change_permission(request):
            raise PermissionDenied

    def enter_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffPaperBatchForm(request.POST or None)
        if request.method == "POST" and not form.adding_rows and form.is_valid():
            if not form.replayed:
                batch = paper.enter_batch(
                    form.cleaned_data["organisation"],
                    collected_on=form.cleaned_data["collected_on"],
                    counts=form.counts,
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
                form.mark_done()
                self.message_user(
                    request,
                    _("Le lot est enregistré, en attente. Vérifiez-le puis acceptez-le pour qu'il compte."),
                    messages.SUCCESS,
                )
                return redirect(self._change_url(batch))
            return redirect("admin:organisations_paperbatch_changelist")
        return self._render(
            request, _("Saisir un lot de signatures papier"), form=form, button=_("Enregistrer"), template="enter.html"
        )

    def accept_view(self, request, object_id):
        self._check_permission(request)
        batch = get_object_or_404(PaperBatch.objects.select_related("organisation"), pk=object_id)
        if request.method == "POST":
            if self._decided(request, object_id, paper.accept):
                self.message_user(
                    request,
                    _("Le lot est accepté : ses %(count)s signatures comptent désormais.")
                    % {"count": batch.signatures},
                    messages.SUCCESS,
                )
            return redirect(self._change_url(batch))
        return self._render(
            request,
            _("Accepter le lot « %(batch)s »") % {"batch": batch},
            batch=batch,
            text=_("Ses signatures s'ajoutent aussitôt au compteur de l'appel et au total de l'organisation."),
            button=_("Accepter"),
        )

    def _with_reason(self, request, object_id, decision, *, title, text, button, done):
        self._check_permission(request)
        batch = get_object_or_404(PaperBatch.objects.select_related("organisation"), pk=object_id)
        form = PaperDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if self._decided(request, object_id, decision, reason=form.cleaned_data["reason"]):
                self.message_user(request, done, messages.SUCCESS)
            return redirect(self._change_url(batch))
        return self._render(request, title % {"batch": batch}, batch=batch, form=form, text=text, button=button)

    def refuse_view(self, request, object_id):
        return self._with_reason(
            request,
            object_id,
            paper.refuse,
            title=_("Refuser le lot « %(batch)s »"),
            text=_("Le lot ne comptera pas. Les rédacteurs et rédactrices de l'organisation reçoivent le motif."),
            button=_("Refuser et prévenir l'organisation"),
            done=_("Le lot est refusé ; l'organisation a reçu le motif."),
        )

    def withdraw_view(self, request, object_id):
        return self._with_reason(
            request,
            object_id,
            paper.withdraw,
            title=_("Retirer le lot « %(batch)s »"),
            text=_(
                "Ses signatures quittent aussitôt le compteur. Les rédacteurs et rédactrices de l'organisation "
                "reçoivent le motif."
            ),
            button=_("Retirer et prévenir l'organisation"),
            done=_("Le lot est retiré du compte ; l'organisation a reçu le motif."),
        )
