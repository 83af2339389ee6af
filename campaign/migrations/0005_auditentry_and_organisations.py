# The audit log of staff access to personal data is shared ground: its model
# moves here from the petition app, its table (``petitions_auditentry``) and
# append-only trigger stay as they are. Posts now name their organisation in
# the organisations app (same table, so nothing changes in the database).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from campaign.model_moves import CONTENT_TYPES_DEPENDENCY, move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0004_shared_store'),
        ('organisations', '0001_initial'),
        ('petitions', '0004_organisation_moderation_and_audit_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        CONTENT_TYPES_DEPENDENCY,
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='post',
                    name='organisation',
                    field=models.ForeignKey(blank=True, help_text='Aucune : la coalition elle-même.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='organisations.organisation', verbose_name='organisation'),
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='date')),
                        ('user_email', models.EmailField(max_length=254, verbose_name='adresse du compte')),
                        ('action', models.CharField(choices=[('list', "Consultation d'une liste"), ('export', 'Export')], max_length=10, verbose_name='action')),
                        ('model', models.CharField(max_length=100, verbose_name='données')),
                        ('query', models.CharField(blank=True, max_length=500, verbose_name='filtres et recherche')),
                        ('rows', models.PositiveIntegerField(blank=True, null=True, verbose_name='lignes')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='compte')),
                    ],
                    options={
                        'verbose_name': "entrée du journal d'accès",
                        'verbose_name_plural': 'journal des accès aux données personnelles',
                        'db_table': 'petitions_auditentry',
                        'ordering': ['-at', '-pk'],
                        'default_permissions': ('view',),
                    },
                ),
            ],
        ),
        move_content_types('petitions', 'campaign', ['auditentry']),
    ]
