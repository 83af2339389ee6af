from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaign import page_checks
from campaign.admin_mixins import ReadOnlyAdminMixin
from campaign.models import AuditEntry, OutgoingEmail, Page, PageRevision, SecondFactor, User
from campaign.outbox import wake_worker


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]


class PageForm(forms.ModelForm):
    """Edits a page by publishing a new revision; the page row itself barely changes."""

    # Chosen by the links above the form (?language=en), which load that
    # version's text: a language picked after the text was loaded published
    # the French text as the English version.
    language = forms.ChoiceField(label=_("Langue"), choices=settings.LANGUAGES, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Titre"), max_length=200)
    body = forms.CharField(
        label=_("Texte (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        help_text=_("Chaque enregistrement publie une nouvelle version ; les précédentes restent consultables."),
    )

    class Meta:
        model = Page
        fields = ["name", "slug"]

    # Set by PageAdmin.get_form from the address.
    edit_language = settings.LANGUAGE_CODE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = self.edit_language
        # The language the text in the form comes from: the French one while a translation does not exist yet.
        self.source_language = self.edit_language
        if self.instance.pk:
            # Falls back on the French revision when there is none in this language.
            current = self.instance.current_revision(self.edit_language)
            if current:
                self.source_language = current.language
                self.fields["title"].initial = current.title
                self.fields["body"].initial = current.body

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        slug = cleaned.get("slug") or self.instance.slug
        if slug and cleaned.get("title") and cleaned.get("body"):
            try:
                page_checks.check(slug, cleaned["title"], cleaned["body"])
            except ValidationError as error:
                self.add_error("body", error)
        return cleaned


class PageRevisionInline(admin.TabularInline):
    model = PageRevision
    readonly_fields = ("created_at", "language", "title", "author", "view")
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Texte"))
    def view(self, revision):
        url = reverse("admin:campaign_pagerevision_change", args=[revision.pk])
        return format_html('<a href="{}">{}</a>', url, _("Lire cette version"))


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageForm
    change_form_template = "admin/campaign/page/change_form.html"
    list_display = ["name", "slug", "current_title", "updated_at", "to_complete"]
    inlines = [PageRevisionInline]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("revisions")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        language = request.GET.get("language")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        return type(form.__name__, (form,), {"edit_language": language})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        languages = dict(settings.LANGUAGES)
        context["edit_languages"] = [
            {"code": code, "name": name, "current": code == form.edit_language} for code, name in settings.LANGUAGES
        ]
        context["edit_language_name"] = languages[form.edit_language]
        context["source_language_name"] = (
            languages[form.source_language] if form.source_language != form.edit_language else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _current(self, page):
        return self._currents(page).get(settings.LANGUAGE_CODE)

    @staticmethod
    def _currents(page):
        """The newest revision in each language (revisions come newest first)."""
        newest: dict[str, PageRevision] = {}
        for revision in page.revisions.all():
            newest.setdefault(revision.language, revision)
        return newest

    @admin.display(description=_("Titre actuel"))
    def current_title(self, page):
        current = self._current(page)
        return current.title if current else "—"

    @admin.display(description=_("Mise à jour"))
    def updated_at(self, page):
        current = self._current(page)
        return current.created_at if current else None

    @admin.display(description=_("À compléter ou relire"), boolean=True)
    def to_complete(self, page):
        return any(r.has_placeholders or r.needs_review for r in self._currents(page).values())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        page = self.get_object(request, object_id)
        if page and request.method == "GET":
            currents = self._currents(page)
            if any(revision.has_placeholders for revision in currents.values()):
                messages.warning(
                    request,
                    _(
                        "Ce texte contient encore des passages « [À COMPLÉTER … ] » "
                        "que seul l'éditeur du site peut remplir."
                    ),
                )
            languages = dict(settings.LANGUAGES)
            for language, revision in currents.items():
                if revision.needs_review:
                    messages.warning(
                        request,
                        _(
                            "La version « %(language)s » a été livrée avec le site et personne ne l'a encore relue : "
                            "relisez-la, puis enregistrez-la dans cette langue pour lever cette alerte."
                        )
                        % {"language": languages.get(language, language)},
                    )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        current = obj.current_revision(data["language"])
        unchanged = (
            current is not None
            and current.language == data["language"]
            and current.title == data["title"]
            and current.body.strip() == data["body"].strip()
            # Saving a shipped translation unchanged is how staff say they read it.
            and not current.needs_review
        )
        if not unchanged:
            obj.publish(title=data["title"], body=data["body"], author=request.user, language=data["language"])


@admin.register(PageRevision)
class PageRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """History is read-only: staff can read every revision, nobody can alter one."""

    list_display = ["page", "language", "title", "author", "created_at", "needs_review"]
    list_filter = ["page", "language", "needs_review"]
    readonly_fields = ("page", "language", "title", "author", "created_at", "needs_review", "body")
    fields = readonly_fields


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "kind", "status", "attempts", "created_at", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    readonly_fields = ("key", "kind", "status", "attempts", "created_at", "next_attempt_at", "sent_at", "last_error")
    fields = readonly_fields
    actions = ["retry"]
    deletable = True

    @admin.action(description=_("Réessayer l'envoi"))
    def retry(self, request, queryset):
        count = queryset.filter(status=OutgoingEmail.Status.FAILED).update(
            status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now(), created_at=timezone.now()
        )
        wake_worker()
        self.message_user(request, _("%(count)d e-mail(s) remis dans la file.") % {"count": count})


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff read the log; nobody adds, changes or deletes an entry."""

    list_display = ["at", "user_email", "action", "data", "query", "rows"]
    list_filter = ["action", "model"]
    search_fields = ["user_email", "query"]
    date_hierarchy = "at"
    readonly_fields = ("at", "user", "user_email", "action", "model", "query", "rows")
    fields = readonly_fields

    # The log is never rewritten: entries made before a model changed app keep the label it had then.
    MOVED_MODELS = {"petitions.organisation": "organisations.organisation"}

    @admin.display(description=_("données"), ordering="model")
    def data(self, entry):
        try:
            return apps.get_model(self.MOVED_MODELS.get(entry.model, entry.model))._meta.verbose_name_plural
        except (LookupError, ValueError):
            return entry.model


class SecondFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who has which second factor; deleting one lets its owner enrol again. The secrets are never shown."""

    list_display = ["account", "kind", "created", "last_used"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    readonly_fields = ("account", "kind", "created", "last_used")
    fields = readonly_fields
    deletable = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description=_("compte"), ordering="user__email")
    def account(self, factor):
        return factor.user.email

    @admin.display(description=_("type"), ordering="type")
    def kind(self, factor):
        return {
            SecondFactor.Type.TOTP: _("application d'authentification"),
            SecondFactor.Type.RECOVERY_CODES: _("codes de secours"),
            SecondFactor.Type.WEBAUTHN: _("clé d'accès"),
        }.get(factor.type, factor.type)

    @admin.display(description=_("ajouté le"), ordering="created_at")
    def created(self, factor):
        return factor.created_at

    @admin.display(description=_("dernière utilisation"), ordering="last_used_at")
    def last_used(self, factor):
        return factor.last_used_at


def replace_library_admins(site):
    """Hide the libraries' own admin pages, called once every app's admin.py has run.

    Task results are the worker's business; allauth's authenticator page
    shows secrets under English names (SecondFactorAdmin replaces it).
    """
    from allauth.mfa.models import Authenticator
    from django_tasks_db.models import DBTaskResult

    for model in (Authenticator, DBTaskResult):
        if site.is_registered(model):
            site.unregister(model)
    if not site.is_registered(SecondFactor):
        site.register(SecondFactor, SecondFactorAdmin)
