# The outbox's task now lives beside the outbox (campaign.outbox), which
# enqueues it: the tasks already queued under its old path get the new one.

from django.db import migrations

from campaign.model_moves import TASKS_APP_DEPENDENCY, rename_task_paths


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0006_news_moved'),
        TASKS_APP_DEPENDENCY,
    ]

    operations = [
        rename_task_paths({'campaign.tasks.deliver_pending_emails': 'campaign.outbox.deliver_pending_emails'}),
    ]
