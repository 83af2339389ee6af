"""Background tasks run by `manage.py db_worker`."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from campaign import outbox


@task()
def deliver_pending_emails():
    """Send what is due in the outbox. Enqueued on every queued email and every minute."""
    return outbox.deliver_due()


@task()
def prune_outbox():
    return outbox.prune()


@task()
def prune_task_results():
    """Forget finished task rows after a week: their arguments may name people."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - timedelta(days=7)).delete()
    return deleted
