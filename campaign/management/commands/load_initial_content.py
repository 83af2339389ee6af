from django.core.management.base import BaseCommand

from campaign.initial_content import load_pages


class Command(BaseCommand):
    help = "Create the initial texts (appeal, privacy, legal notice) where they do not exist yet."

    def handle(self, *args, **options):
        created = load_pages()
        if created:
            self.stdout.write(f"Created: {', '.join(created)}")
        else:
            self.stdout.write("Initial content already present.")
