"""django_tasks_db's worker, plus the scheduler of periodic tasks."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from campaign.outbox import deliver_pending_emails
from campaign.schedule import Scheduler


class Command(db_worker.Command):
    help = "Run the background worker and enqueue periodic tasks when they are due."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Do not enqueue periodic tasks from this worker.",
        )

    def handle(self, *args, scheduler=True, **options):
        # Under the autoreloader, only the child process does the work.
        reloader_parent = options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if scheduler and not options["batch"] and not reloader_parent:
            # A worker killed mid-batch (SIGKILL, OOM, power) leaves emails
            # pending and nobody to send them: look for them at once.
            deliver_pending_emails.enqueue()
            Scheduler().start()
        return super().handle(*args, **options)
