from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations signataires")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from campaign import http_cache, initial_content, pending
        from organisations import emails  # noqa: F401 - registers the kinds of email
        from organisations.initial_content import load_organisations, load_paper_pages
        from organisations.models import Organisation, PaperBatch

        http_cache.invalidate_pages_on_change(Organisation, PaperBatch)
        initial_content.add_loader(load_organisations)
        initial_content.add_loader(load_paper_pages)
        pending.register(
            _("Demandes d'adhésion d'organisations"),
            Organisation.objects.to_moderate,
            "admin:organisations_organisation_changelist",
            query="status__exact=pending&contact=confirmed",
        )
        pending.register(
            _("Lots de signatures sur papier en attente"),
            PaperBatch.objects.pending,
            "admin:organisations_paperbatch_changelist",
            query="status__exact=pending",
        )
