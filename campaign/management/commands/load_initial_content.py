from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Create the initial content (texts, petition, organisations) where it does not exist yet."

    @transaction.atomic
    def handle(self, *args, **options):
        created = []
        for path in settings.INITIAL_CONTENT_LOADERS:
            created.extend(import_string(path)())
        if created:
            self.stdout.write(f"Created: {', '.join(map(str, created))}")
        else:
            self.stdout.write("Initial content already present.")
