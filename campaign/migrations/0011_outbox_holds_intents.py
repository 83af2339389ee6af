# The outbox records the intent to send (kind, object, language, parameters);
# the worker renders the message when it sends it. Rows still pending at the
# upgrade keep their rendered message, under the kind "campaign.prerendered".
# Inserting rows notifies the listening worker, once per transaction.

from django.db import migrations, models

NOTIFY = """
CREATE FUNCTION campaign_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Delivered at commit, once per transaction: identical notifications are folded.
    PERFORM pg_notify('campaign_outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER campaign_outbox_notify AFTER INSERT ON campaign_outgoingemail
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_outbox_notify();
"""

NO_NOTIFY = """
DROP TRIGGER IF EXISTS campaign_outbox_notify ON campaign_outgoingemail;
DROP FUNCTION IF EXISTS campaign_outbox_notify();
"""


def keep_rendered(apps, schema_editor):
    OutgoingEmail = apps.get_model("campaign", "OutgoingEmail")
    for email in OutgoingEmail.objects.exclude(status="sent").iterator():
        email.params = {
            "subject": email.subject,
            "text": email.body_text,
            "html": email.body_html,
            "headers": email.headers,
        }
        email.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0010_second_factor_admin"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="kind",
            field=models.CharField(default="campaign.prerendered", max_length=100, verbose_name="type"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="object_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="objet concerné"),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="language",
            field=models.CharField(blank=True, max_length=10, verbose_name="langue"),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="paramètres"),
        ),
        migrations.RunPython(keep_rendered, migrations.RunPython.noop),
        migrations.RemoveField(model_name="outgoingemail", name="subject"),
        migrations.RemoveField(model_name="outgoingemail", name="body_text"),
        migrations.RemoveField(model_name="outgoingemail", name="body_html"),
        migrations.RemoveField(model_name="outgoingemail", name="headers"),
        migrations.RemoveConstraint(model_name="outgoingemail", name="campaign_outbox_pending_has_recipient"),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "pending"), _negated=True),
                    models.Q(("recipient", ""), _negated=True),
                    ("object_id__isnull", False),
                    _connector="OR",
                ),
                name="campaign_outbox_pending_has_addressee",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", ""), _negated=True), name="campaign_outbox_has_kind"
            ),
        ),
        migrations.RunSQL(NOTIFY, NO_NOTIFY),
    ]
