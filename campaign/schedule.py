"""Periodic tasks without cron: the worker enqueues each one when it is due."""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from campaign.models import ScheduledJob

logger = logging.getLogger(__name__)


def enqueue_due(now=None):
    """Enqueue every periodic task whose time has come; return their names."""
    now = now or timezone.now()
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=name, next_run_at=now) for name in settings.PERIODIC_TASKS],
        ignore_conflicts=True,
    )
    enqueued = []
    for name, (path, seconds) in settings.PERIODIC_TASKS.items():
        with transaction.atomic():
            job = (
                ScheduledJob.objects.select_for_update(skip_locked=True).filter(name=name, next_run_at__lte=now).first()
            )
            if job is None:
                continue
            import_string(path).enqueue()
            job.last_run_at = now
            job.next_run_at = now + timedelta(seconds=seconds)
            job.save()
            enqueued.append(name)
    return enqueued


class Scheduler(threading.Thread):
    """Runs `enqueue_due` every `interval` seconds beside the worker loop."""

    def __init__(self, interval=30.0):
        super().__init__(name="periodic-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                close_old_connections()
                enqueue_due()
            except Exception:
                # The database may be briefly away; try again next round.
                logger.exception("periodic scheduling failed")
            finally:
                connection.close()
            self.stopped.wait(self.interval)
