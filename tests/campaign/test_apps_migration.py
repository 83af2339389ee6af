"""A database made before organisations and news had apps of their own migrates forward with nothing lost.

The test takes the database back to where the earlier schema left it (the
campaign and petition apps at their migration 0004, no organisations or news
app), writes rows there through the models of that time, migrates forward,
and compares every row of every table. Only the content types of the moved
models, the paths of queued tasks and the columns added since (with their
defaults) are expected to change.
"""

import json
from datetime import timedelta
from uuid import uuid4

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from campaign.models import AuditEntry, User
from organisations.models import Organisation
from organisations.services import moderators
from petitions import counter, figures
from petitions.models import Signature

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("campaign", "0004_shared_store"),
    ("petitions", "0004_organisation_moderation_and_audit_log"),
    ("organisations", None),
    ("news", None),
]
MOVED_CONTENT_TYPES = {
    ("petitions", "organisation"): ("organisations", "organisation"),
    ("petitions", "membership"): ("organisations", "membership"),
    ("petitions", "auditentry"): ("campaign", "auditentry"),
    ("campaign", "post"): ("news", "post"),
    ("campaign", "postmailing"): ("news", "postmailing"),
    ("campaign", "postdelivery"): ("news", "postdelivery"),
}
RENAMED_TASKS = {
    "campaign.tasks.deliver_pending_emails": "campaign.outbox.deliver_pending_emails",
    "campaign.news.tasks.send_post_batch": "news.mailing.send_post_batch",
    "campaign.news.tasks.resume_mailings": "news.tasks.resume_mailings",
    "campaign.news.tasks.prune_images": "news.tasks.prune_images",
    "petitions.organisations.tasks.prune_requests": "organisations.tasks.prune_requests",
}
# Columns added by later migrations: the rows gain them with their defaults.
ADDED_COLUMNS = {
    "campaign_pagerevision": {"needs_review": False},
    "petitions_signature": {"via_id": None},
}
# Tables made by later migrations: empty after the move.
ADDED_TABLES = {"petitions_organisationreach"}
FILLED = [
    "campaign_user",
    "campaign_user_user_permissions",
    "campaign_page",
    "campaign_pagerevision",
    "campaign_outgoingemail",
    "petitions_petition",
    "petitions_signature",
    "petitions_signaturecounter",
    "petitions_signaturetally",
    "petitions_organisation",
    "petitions_membership",
    "petitions_auditentry",
    "campaign_post",
    "campaign_postmailing",
    "campaign_postdelivery",
    "django_admin_log",
    "django_content_type",
    "auth_permission",
    "django_tasks_database_dbtaskresult",
]
# Made by later migrations from the rows already there (checked against them below).
CREATED = {"petitions_departementfigure", "petitions_dayfigure", "petitions_rolefigure", "petitions_roletally"}
# Tables created by later migrations: there after the move, and empty.
CREATED_TABLES = {"organisations_paperbatch", "organisations_paperbatchline", "organisations_papertally"}
# Emptied or rewritten by the processes themselves, not by migrations.
VOLATILE = {"django_migrations", "campaign_shared_cache", "campaign_rate_limit"}


def migrate(targets=None):
    """Migrate to ``targets`` (the newest migrations by default); return the models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    if targets is BEFORE:
        ours = {app for app, _name in BEFORE}
        targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ours] + BEFORE
    state = executor.migrate(targets)
    return state.apps


def rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - a table name from the database itself
        columns = [column.name for column in cursor.description]
        found = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        for name, value in row.items():
            if isinstance(value, memoryview):
                row[name] = bytes(value)
    return sorted(found, key=repr)


def prerendered(row):
    row = dict(row)
    content = {
        "subject": row.pop("subject"),
        "text": row.pop("body_text"),
        "html": row.pop("body_html"),
        "headers": json.loads(row.pop("headers")),
    }
    params = {} if row["status"] == "sent" else content
    return {**row, "kind": "campaign.prerendered", "object_id": None, "language": "", "params": params}


def snapshot():
    tables = set(connection.introspection.table_names()) - VOLATILE
    return {table: rows(table) for table in sorted(tables)}


def fill(old):
    """Rows in every table the move concerns, written through the models of the earlier schema."""
    now = timezone.now()
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    user = old.get_model("campaign", "User").objects.create(
        email="equipe@example.org", password="!", is_staff=True, full_name="Équipe"
    )
    organisation_type = content_type.objects.get(app_label="petitions", model="organisation")
    user.user_permissions.add(permission.objects.get(content_type=organisation_type, codename="change_organisation"))
    editor = old.get_model("campaign", "User").objects.create(email="redaction@sud.example", password="!")

    page = old.get_model("campaign", "Page").objects.create(slug="appel", name="Appel")
    revision_model = old.get_model("campaign", "PageRevision")
    revision = revision_model.objects.create(page=page, title="Appel", body="Texte.", body_html="<p>Texte.</p>")
    revision_model.objects.create(page=page, language="en", title="Appeal", body="Text.", body_html="<p>Text.</p>")
    petition = old.get_model("petitions", "Petition").objects.create(
        title="Retrait du LSUN", slug="retrait-lsun", appeal=page, featured=True, opens_at=now - timedelta(days=30)
    )

    signature_model = old.get_model("petitions", "Signature")
    common = {"petition": petition, "appeal_revision": revision, "role": "parent", "created_at": now}
    signatures = [
        signature_model.objects.create(
            first_name=name,
            last_name="Martin",
            email=f"{name.lower()}@example.org",
            email_normalised=f"{name.lower()}@example.org",
            postcode="38000",
            departement="38",
            show_name=show_name,
            wants_news=True,
            confirmed_at=confirmed,
            **common,
        )
        for name, show_name, confirmed in [("Zoé", True, now), ("Jules", False, now), ("Inès", True, None)]
    ]
    old.get_model("petitions", "SignatureTally").objects.create(
        petition=petition, day=now.date() - timedelta(days=400), departement="82", signatures=12
    )

    organisation_model = old.get_model("petitions", "Organisation")
    sud = organisation_model.objects.create(
        name="SUD éducation", slug="sud-education", kind="syndicat", status="approved", approved_at=now
    )
    organisation_model.objects.create(
        name="Collectif en attente", slug="collectif", contact_email="contact@example.org", consent_at=now
    )
    old.get_model("petitions", "Membership").objects.create(user=editor, organisation=sud)
    old.get_model("petitions", "AuditEntry").objects.create(
        user=user, user_email=user.email, action="list", model="petitions.organisation", rows=2
    )
    old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type=organisation_type,
        object_id=str(sud.pk),
        object_repr=sud.name,
        action_flag=2,
        change_message="Approuvée",
    )

    email_model = old.get_model("campaign", "OutgoingEmail")
    queued = email_model.objects.create(
        key=f"signature:{signatures[0].pk}:news:1", recipient="zoé@example.org", subject="Actualité", body_text="…"
    )
    email_model.objects.create(key="organisation-confirm:1", status="sent", sent_at=now)
    post = old.get_model("campaign", "Post").objects.create(
        title="Rassemblement", slug="rassemblement", status="published", published_at=now, organisation=sud
    )
    old.get_model("campaign", "PostMailing").objects.create(post=post, requested_by=user, last_batch_at=now)
    old.get_model("campaign", "PostDelivery").objects.create(post=post, signature=signatures[0], email=queued)

    task_model = old.get_model("django_tasks_database", "DBTaskResult")
    for path, args in [
        ("campaign.tasks.deliver_pending_emails", []),
        ("campaign.news.tasks.send_post_batch", [post.pk]),
        ("petitions.organisations.tasks.prune_requests", []),
        ("petitions.tasks.prune_signatures", []),
    ]:
        task_model.objects.create(
            id=uuid4(),
            task_path=path,
            args_kwargs={"args": args, "kwargs": {}},
            backend_name="default",
            run_after=now,
            exception_class_path="",
            traceback="",
        )
    return signatures


def test_every_row_survives_and_the_moved_models_keep_their_permissions_and_triggers():
    old = migrate(BEFORE)
    *_confirmed, ines = fill(old)
    before = snapshot()

    migrate()
    after = snapshot()
    created = {table: len(after.pop(table)) for table in CREATED_TABLES}

    assert created == dict.fromkeys(CREATED_TABLES, 0)
    assert {table: len(after[table]) for table in ADDED_TABLES} == dict.fromkeys(ADDED_TABLES, 0)
    assert {table: len(found) for table, found in after.items() if table not in CREATED | ADDED_TABLES} == {
        table: len(found) for table, found in before.items()
    }
    for petition_id in {row["petition_id"] for row in after["petitions_signature"]}:
        assert figures.read_breakdown(petition_id) == figures.true_breakdown(petition_id)
    # Every table the move concerns held rows.
    assert [table for table in FILLED if not before[table]] == []
    for table in before:
        if table == "django_content_type":
            assert after[table] == sorted(
                (
                    {**row, "app_label": MOVED_CONTENT_TYPES.get((row["app_label"], row["model"]), (None, None))[0]}
                    if (row["app_label"], row["model"]) in MOVED_CONTENT_TYPES
                    else row
                    for row in before[table]
                ),
                key=repr,
            )
        elif table == "django_tasks_database_dbtaskresult":
            assert after[table] == sorted(
                ({**row, "task_path": RENAMED_TASKS.get(row["task_path"], row["task_path"])} for row in before[table]),
                key=repr,
            )
        elif table == "campaign_outgoingemail":
            # Rendered messages still to send keep their content, as a prerendered kind of email.
            assert [{**row, "params": json.loads(row["params"])} for row in after[table]] == sorted(
                (prerendered(row) for row in before[table]), key=repr
            )
        else:
            added = ADDED_COLUMNS.get(table, {})
            assert after[table] == sorted(({**row, **added} for row in before[table]), key=repr), table
    assert sorted(row["task_path"] for row in after["django_tasks_database_dbtaskresult"]) == [
        "campaign.outbox.deliver_pending_emails",
        "news.mailing.send_post_batch",
        "organisations.tasks.prune_requests",
        "petitions.tasks.prune_signatures",
    ]

    # The staff member keeps the right to moderate, and is told of requests.
    ContentType.objects.clear_cache()
    staff = User.objects.get(email="equipe@example.org")
    assert staff.has_perm("organisations.change_organisation")
    assert list(moderators()) == [staff]
    assert LogEntry.objects.get().get_edited_object() == Organisation.objects.get(slug="sud-education")
    # The counter's triggers fire on the same table.
    assert counter.stored_counts(ines.petition_id) == (2, 1)
    Signature.objects.filter(pk=ines.pk).update(confirmed_at=timezone.now())
    assert counter.stored_counts(ines.petition_id) == (3, 2)
    # The name key is still written by its trigger, the audit log is still append-only.
    assert Organisation.objects.create(name="S.U.D. Éducation 38", slug="sud-38").name_key == ""
    assert Organisation.objects.get(slug="sud-38").name_key == "sudeducation38"
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(rows=0)
