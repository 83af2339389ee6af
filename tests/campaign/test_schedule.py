from datetime import timedelta

import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaign.models import ScheduledJob
from campaign.schedule import enqueue_due


def test_each_periodic_task_is_enqueued_once_until_due_again(db, settings):
    settings.PERIODIC_TASKS = {
        "often": ("campaign.outbox.deliver_pending_emails", 60),
        "daily": ("campaign.tasks.prune_outbox", 24 * 3600),
    }
    now = timezone.now()

    first = enqueue_due(now)
    again = enqueue_due(now + timedelta(seconds=30))
    later = enqueue_due(now + timedelta(minutes=2))

    assert (first, again, later) == (["often", "daily"], [], ["often"])
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "campaign.outbox.deliver_pending_emails",
        "campaign.outbox.deliver_pending_emails",
        "campaign.tasks.prune_outbox",
    ]
    assert ScheduledJob.objects.get(name="daily").next_run_at == now + timedelta(days=1)


def test_periodic_tasks_run_in_the_worker(db, run_tasks):
    with time_machine.travel(timezone.now()):
        enqueue_due()
        run_tasks()

    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_tasks_of_a_dead_worker_are_closed_after_an_hour(db):
    from datetime import timedelta

    from campaign.tasks import prune_task_results

    stuck = DBTaskResult.objects.get(id=prune_task_results.enqueue().id)
    stuck.claim("worker-killed-with-sigkill")
    DBTaskResult.objects.filter(id=stuck.id).update(started_at=timezone.now() - timedelta(hours=2))

    assert prune_task_results.call() == {"deleted": 0, "lost": 1}
    stuck.refresh_from_db()
    assert (stuck.status, stuck.exception_class_path) == ("FAILED", "WorkerLost")
