from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Pétition")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from campaign import http_cache, initial_content
        from petitions import emails  # noqa: F401 - registers the kinds of email
        from petitions.initial_content import load_petition
        from petitions.models import Petition

        http_cache.invalidate_pages_on_change(Petition)
        initial_content.add_loader(load_petition)
