# Organisations, memberships and the audit log now belong to other apps
# (organisations, campaign), which took over their tables as they are: this
# only removes them from the petition app's state. Nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0004_organisation_moderation_and_audit_log'),
        ('organisations', '0001_initial'),
        ('campaign', '0005_auditentry_and_organisations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AuditEntry'),
                migrations.DeleteModel(name='Membership'),
                migrations.DeleteModel(name='Organisation'),
            ],
        ),
    ]
