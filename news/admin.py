from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaign.admin_mixins import ReadOnlyAdminMixin
from news.mailing import mailing_progress
from news.models import Post


@admin.register(Post)
class PostAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Posts are written on the editing page (/espace/actualites/); the admin lists them and shows mailings."""

    list_display = ["__str__", "organisation", "status", "published_at", "updated_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["title", "summary"]
    readonly_fields = (
        "title",
        "slug",
        "organisation",
        "author",
        "status",
        "published_at",
        "updated_at",
        "edit",
        "progress",
    )
    fields = readonly_fields
    deletable = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "author")

    @admin.display(description=_("Modifier"))
    def edit(self, post):
        return format_html('<a href="{}">{}</a>', reverse("news:edit", args=[post.pk]), _("Ouvrir la page d'édition"))

    @admin.display(description=_("Envoi aux signataires"))
    def progress(self, post):
        if not hasattr(post, "mailing"):
            return "—"
        progress = mailing_progress(post)
        if progress is None:
            return "—"
        requested = date_format(timezone.localtime(progress["mailing"].requested_at), "DATETIME_FORMAT")
        return _(
            "demandé le %(date)s (heure de Paris) pour %(total)d signataires : "
            "%(sent)d envoyés, %(to_send)d à envoyer, %(failed)d échecs"
        ) % {**progress, "date": requested}
