"""What /healthz reports besides "the database answers": how far behind the worker is."""

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaign.models import OutgoingEmail


def backlog(now=None):
    """Ready tasks and due emails, with the age in seconds of the oldest of each (0 when none).

    Two small aggregate queries on indexed columns: cheap for a load balancer's probe.
    """
    now = now or timezone.now()
    tasks = DBTaskResult.objects.ready().aggregate(count=Count("id"), oldest=Min("enqueued_at"))
    emails = OutgoingEmail.objects.due(now).aggregate(count=Count("id"), oldest=Min("created_at"))

    def age(moment):
        return round((now - moment).total_seconds(), 1) if moment else 0

    return {
        "queue": {"ready": tasks["count"], "oldest_seconds": age(tasks["oldest"])},
        "outbox": {"due": emails["count"], "oldest_seconds": age(emails["oldest"])},
    }
