# The news (posts, their mailings and deliveries), until now part of the
# campaign app, becomes the news app. The tables keep their names
# (``db_table``), with their rows, constraints, indexes and the generated
# search column: only Django's state moves, and with it the content types and
# the tasks already queued. The French search configuration and the unaccent
# extension stay where campaign's migration 0002_news created them.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.utils.timezone
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
        ('campaign', '0005_auditentry_and_organisations'),
        ('organisations', '0001_initial'),
        ('petitions', '0005_organisations_and_audit_log_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        CONTENT_TYPES_DEPENDENCY,
        TASKS_APP_DEPENDENCY,
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Post',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='titre')),
                        ('slug', models.SlugField(db_index=False, max_length=220, verbose_name='adresse')),
                        ('summary', models.TextField(blank=True, max_length=500, verbose_name='résumé')),
                        ('body', models.TextField(blank=True, verbose_name='texte (Markdown)')),
                        ('body_html', models.TextField(blank=True, editable=False)),
                        ('body_text', models.TextField(blank=True, editable=False)),
                        ('image', models.ImageField(blank=True, upload_to='posts/', verbose_name='image')),
                        ('image_width', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                        ('image_height', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                        ('image_alt', models.CharField(blank=True, max_length=250, verbose_name="description de l'image")),
                        ('status', models.CharField(choices=[('draft', 'Brouillon'), ('published', 'Publiée')], default='draft', max_length=10, verbose_name='état')),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='publication')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='créée le')),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='mise à jour')),
                        ('search', models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='french_unaccent', weight='A'), '||', django.contrib.postgres.search.SearchVector('summary', config='french_unaccent', weight='B'), django.contrib.postgres.search.SearchConfig('french_unaccent')), '||', django.contrib.postgres.search.SearchVector('body_text', config='french_unaccent', weight='C'), django.contrib.postgres.search.SearchConfig('french_unaccent')), output_field=django.contrib.postgres.search.SearchVectorField())),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='auteur ou autrice')),
                        ('organisation', models.ForeignKey(blank=True, help_text='Aucune : la coalition elle-même.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='organisations.organisation', verbose_name='organisation')),
                    ],
                    options={
                        'verbose_name': 'actualité',
                        'verbose_name_plural': 'actualités',
                        'db_table': 'campaign_post',
                        'ordering': ['-published_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='PostDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('email', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaign.outgoingemail')),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='news.post')),
                        ('signature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='petitions.signature')),
                    ],
                    options={
                        'verbose_name': "envoi d'une actualité",
                        'verbose_name_plural': "envois d'actualités",
                        'db_table': 'campaign_postdelivery',
                    },
                ),
                migrations.CreateModel(
                    name='PostMailing',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='demandé le')),
                        ('last_batch_at', models.DateTimeField(blank=True, null=True, verbose_name='dernier lot')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='terminé le')),
                        ('post', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='mailing', to='news.post', verbose_name='actualité')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='demandé par')),
                    ],
                    options={
                        'verbose_name': 'envoi aux signataires',
                        'verbose_name_plural': 'envois aux signataires',
                        'db_table': 'campaign_postmailing',
                    },
                ),
                migrations.AddIndex(
                    model_name='post',
                    index=models.Index(models.OrderBy(models.F('published_at'), descending=True), condition=models.Q(('status', 'published')), name='campaign_post_published_idx'),
                ),
                migrations.AddIndex(
                    model_name='post',
                    index=django.contrib.postgres.indexes.GinIndex(fields=['search'], name='campaign_post_search_idx'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.UniqueConstraint(fields=('slug',), name='campaign_post_slug_unique'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.CheckConstraint(condition=models.Q(('slug', ''), _negated=True), name='campaign_post_slug_not_empty'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'published'), _negated=True), models.Q(('title', ''), _negated=True), _connector='OR'), name='campaign_post_published_has_title'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'published'), _negated=True), ('published_at__isnull', False), _connector='OR'), name='campaign_post_published_has_date'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.CheckConstraint(condition=models.Q(('image', ''), models.Q(('image_alt', ''), _negated=True), _connector='OR'), name='campaign_post_image_has_alt'),
                ),
                migrations.AddConstraint(
                    model_name='postdelivery',
                    constraint=models.UniqueConstraint(fields=('post', 'signature'), name='campaign_postdelivery_once_per_signer'),
                ),
            ],
        ),
        move_content_types('campaign', 'news', ['post', 'postmailing', 'postdelivery']),
        rename_task_paths(
            {
                'campaign.news.tasks.send_post_batch': 'news.mailing.send_post_batch',
                'campaign.news.tasks.resume_mailings': 'news.tasks.resume_mailings',
                'campaign.news.tasks.prune_images': 'news.tasks.prune_images',
            }
        ),
    ]
