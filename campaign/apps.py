from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Site de la campagne")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from campaign import (
            emails,  # noqa: F401 - registers the kinds of email
            http_cache,
            initial_content,
        )
        from campaign.models import Page, PageRevision

        http_cache.invalidate_pages_on_change(Page, PageRevision)
        initial_content.add_loader(initial_content.load_pages)
