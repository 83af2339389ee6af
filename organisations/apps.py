from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations signataires")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from campaign import http_cache, initial_content
        from organisations import emails  # noqa: F401 - registers the kinds of email
        from organisations.initial_content import load_organisations
        from organisations.models import Organisation

        http_cache.invalidate_pages_on_change(Organisation)
        initial_content.add_loader(load_organisations)
