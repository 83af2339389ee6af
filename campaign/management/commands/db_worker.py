"""django_tasks_db's worker, plus the outbox's listener and the scheduler of periodic tasks."""

import os
import threading

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from campaign import outbox
from campaign.schedule import Scheduler


class Command(db_worker.Command):
    help = (
        "Run the background worker: tasks, emails as soon as they are queued (LISTEN), "
        "and periodic tasks when they are due."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Do not enqueue periodic tasks from this worker.",
        )
        parser.add_argument(
            "--no-emails",
            action="store_false",
            dest="emails",
            help="Do not listen for queued emails in this worker (the periodic sweep still sends them).",
        )

    def handle(self, *args, scheduler=True, emails=True, **options):
        # Under the autoreloader, only the child process does the work.
        reloader_parent = options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options["batch"]:
            result = super().handle(*args, **options)
            # What the tasks just queued, and what was waiting.
            outbox.deliver_due()
            return result
        if reloader_parent:
            return super().handle(*args, **options)
        stop = threading.Event()
        listener = None
        if emails:
            # Sends at once what was waiting (a worker killed mid-batch), then whatever commits.
            listener = threading.Thread(target=outbox.listen_and_deliver, args=(stop,), name="outbox", daemon=True)
            listener.start()
        if scheduler:
            Scheduler().start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            if listener is not None:
                # Let the message in flight be marked sent rather than sent again by the next worker.
                listener.join(timeout=30)
