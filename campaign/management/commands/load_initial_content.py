from django.core.management.base import BaseCommand
from django.db import transaction

from campaign.initial_content import loaders


class Command(BaseCommand):
    help = "Create the initial content (texts, petition, organisations) where it does not exist yet."

    @transaction.atomic
    def handle(self, *args, **options):
        created = []
        for load in loaders:
            created.extend(load())
        if created:
            self.stdout.write(f"Created: {', '.join(map(str, created))}")
        else:
            self.stdout.write("Initial content already present.")
