# The organisations, their members and their tables, until now part of the
# petition app, become the organisations app. The tables keep their names
# (``db_table``), with their rows, sequences, constraints, indexes and the
# name-key trigger: only Django's state moves, and with it the content types
# (so permissions such as ``change_organisation`` and the admin's history
# follow) and the daily task already queued.

import django.db.models.deletion
import django.utils.timezone
import organisations.models
import organisations.scopes
from django.conf import settings
from django.db import migrations, models

from campaign.model_moves import (
    CONTENT_TYPES_DEPENDENCY,
    TASKS_APP_DEPENDENCY,
    move_content_types,
    rename_task_paths,
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('petitions', '0004_organisation_moderation_and_audit_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        CONTENT_TYPES_DEPENDENCY,
        TASKS_APP_DEPENDENCY,
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='nom')),
                        ('name_key', models.CharField(default='', editable=False, max_length=200, verbose_name='nom normalisé')),
                        ('short_name', models.CharField(blank=True, max_length=50, verbose_name='sigle ou nom court')),
                        ('slug', models.SlugField(max_length=80, unique=True, verbose_name='adresse')),
                        ('kind', models.CharField(choices=[('syndicat', 'Syndicat'), ('mouvement', 'Mouvement pédagogique'), ('association', 'Association'), ('parents', "Association de parents d'élèves"), ('collectif', 'Collectif'), ('autre', 'Autre')], default='autre', max_length=12, verbose_name='type')),
                        ('scope', models.CharField(choices=organisations.scopes.scope_choices, default='national', max_length=8, verbose_name='périmètre')),
                        ('website', models.URLField(blank=True, validators=[organisations.models._http_url], verbose_name='site web')),
                        ('logo', models.ImageField(blank=True, height_field='logo_height', upload_to='logos/', verbose_name='logo', width_field='logo_width')),
                        ('logo_width', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                        ('logo_height', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                        ('logo_alt', models.CharField(blank=True, help_text='Ce que montre le logo, pour qui ne le voit pas. Par défaut : « Logo de » suivi du nom.', max_length=200, verbose_name='texte alternatif du logo')),
                        ('description', models.TextField(blank=True, verbose_name='présentation')),
                        ('founding', models.BooleanField(default=False, help_text="Organisation nommée dans le texte de l'appel.", verbose_name="signataire de l'appel initial")),
                        ('status', models.CharField(choices=[('pending', 'En attente'), ('approved', 'Approuvée'), ('refused', 'Refusée'), ('withdrawn', 'Retirée')], default='pending', max_length=10, verbose_name='état')),
                        ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approuvée le')),
                        ('refused_at', models.DateTimeField(blank=True, null=True, verbose_name='refusée le')),
                        ('refusal_reason', models.TextField(blank=True, verbose_name='motif du refus')),
                        ('contact_name', models.CharField(blank=True, max_length=150, verbose_name='personne de contact')),
                        ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail de contact')),
                        ('contact_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='adresse de contact confirmée le')),
                        ('consent_at', models.DateTimeField(blank=True, help_text='Quand la personne de contact a accepté le traitement de ses coordonnées.', null=True, verbose_name='consentement donné le')),
                        ('join_message', models.TextField(blank=True, verbose_name='message joint à la demande')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='créée le')),
                    ],
                    options={
                        'verbose_name': 'organisation signataire',
                        'verbose_name_plural': 'organisations signataires',
                        'db_table': 'petitions_organisation',
                        'ordering': ['name'],
                        'indexes': [models.Index(fields=['status', 'kind'], name='petitions_org_status_kind_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'approved'), _negated=True), ('approved_at__isnull', False), _connector='OR'), name='petitions_organisation_approved_has_date'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'refused'), _negated=True), ('refused_at__isnull', False), _connector='OR'), name='petitions_organisation_refused_has_date'), models.UniqueConstraint(condition=models.Q(('status', 'approved'), models.Q(('contact_confirmed_at__isnull', False), ('status', 'pending')), _connector='OR'), fields=('name_key',), name='petitions_organisation_unique_name', violation_error_message='Une organisation de ce nom est déjà signataire ou en attente.'), models.CheckConstraint(condition=models.Q(('name_key', ''), _negated=True), name='petitions_organisation_name_has_letters'), models.CheckConstraint(condition=models.Q(('scope__in', ['national', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '2A', '2B', '21', '22', '23', '24', '25', '26', '27', '28', '29', '30', '31', '32', '33', '34', '35', '36', '37', '38', '39', '40', '41', '42', '43', '44', '45', '46', '47', '48', '49', '50', '51', '52', '53', '54', '55', '56', '57', '58', '59', '60', '61', '62', '63', '64', '65', '66', '67', '68', '69', '70', '71', '72', '73', '74', '75', '76', '77', '78', '79', '80', '81', '82', '83', '84', '85', '86', '87', '88', '89', '90', '91', '92', '93', '94', '95', '971', '972', '973', '974', '975', '976'])), name='petitions_organisation_scope_known'), models.CheckConstraint(condition=models.Q(('website', ''), ('website__startswith', 'http://'), ('website__startswith', 'https://'), _connector='OR'), name='petitions_organisation_website_http'), models.CheckConstraint(condition=models.Q(('logo', ''), models.Q(('logo_height__gt', 0), ('logo_height__isnull', False), ('logo_width__gt', 0), ('logo_width__isnull', False)), _connector='OR'), name='petitions_organisation_logo_has_size')],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('editor', 'Rédacteur·rice')], default='editor', max_length=10, verbose_name='rôle')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='organisations.organisation')),
                    ],
                    options={
                        'verbose_name': "membre d'une organisation",
                        'verbose_name_plural': 'membres des organisations',
                        'db_table': 'petitions_membership',
                        'constraints': [models.UniqueConstraint(fields=('user', 'organisation'), name='petitions_membership_unique')],
                    },
                ),
            ],
        ),
        move_content_types('petitions', 'organisations', ['organisation', 'membership']),
        rename_task_paths({'petitions.organisations.tasks.prune_requests': 'organisations.tasks.prune_requests'}),
    ]
