from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Agir")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from actions import letters
        from actions.forms import LETTERS
        from actions.initial_content import load_letters
        from campaign import initial_content, page_checks

        initial_content.add_loader(load_letters)
        for letter in LETTERS.values():
            page_checks.add_check(letter.slug, letters.check_template(letter.form_class.TEMPLATE_FIELDS))
