from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Site de la campagne")

    def ready(self):
        from django.apps import apps
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from campaign.http_cache import content_changed

        for label in settings.PAGE_CACHE_INVALIDATED_BY:
            model = apps.get_model(label)
            post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-{label}-save")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"page-cache-{label}-delete")
