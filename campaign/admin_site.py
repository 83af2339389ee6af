"""The admin site under the campaign's name, without what staff never need."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CampaignAdminSite(admin.AdminSite):
    site_header = _("Retrait du LSUN — gestion du site")
    site_title = _("Gestion du site")
    index_title = _("Accueil de la gestion")


class CampaignAdminConfig(AdminConfig):
    """Django's admin with our site; listed in INSTALLED_APPS instead of ``django.contrib.admin``."""

    default_site = "campaign.admin_site.CampaignAdminSite"

    def ready(self):
        super().ready()  # registers every app's admin.py
        from campaign.admin import replace_library_admins

        # After every app's admin.py: the libraries' registrations exist only now.
        replace_library_admins(admin.site)
