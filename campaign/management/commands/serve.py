"""`make serve`: production settings, gunicorn and the task worker on this machine."""

import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from campaign.management.commands.devrun import mail_target, prepare
from campaign.processes import supervise


class Command(BaseCommand):
    help = "Run gunicorn (deploy/gunicorn.conf.py) and db_worker until SIGTERM, then stop them gracefully."

    def handle(self, *args, **options):
        prepare(self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"),
            "campaign.wsgi:application",
        ]
        worker = [sys.executable, str(settings.BASE_DIR / "manage.py"), "db_worker", "--no-reload"]
        self.stdout.write(f"gunicorn and db_worker started; emails go to {mail_target()}. SIGTERM stops both.\n")
        status = supervise([gunicorn, worker], self.stdout, self.stderr)
        if status:
            sys.exit(status)
