"""Periodic housekeeping run by `manage.py db_worker` (the outbox's own task is in ``campaign.outbox``)."""

from datetime import timedelta

from django.core.cache import caches
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaign import outbox, ratelimit
from campaign.shared_cache import PostgresCache


@task()
def prune_outbox():
    return outbox.prune()


@task()
def prune_task_results():
    """Forget finished task rows after a week, and close tasks whose worker died.

    A task still "running" after an hour lost its worker (every task here
    takes seconds); its work is idempotent and has been picked up again by the
    periodic sweeps, so it is only marked failed, for the record.
    """
    now = timezone.now()
    lost = DBTaskResult.objects.running().filter(started_at__lt=now - timedelta(hours=1))
    lost_count = lost.update(status="FAILED", finished_at=now, exception_class_path="WorkerLost")
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=7)).delete()
    return {"deleted": deleted, "lost": lost_count}


@task()
def prune_shared_store():
    """Delete expired entries of the PostgreSQL cache and rate limits (nothing to do with Redis)."""
    cache = caches["default"]
    entries = cache.sweep() if isinstance(cache, PostgresCache) else 0
    return {"cache_entries": entries, "rate_limits": ratelimit.sweep()}
