"""Migration operations for models and tasks that moved from one app to another.

The tables stay where they are (the models keep their ``db_table``); what
names the old app in the database is moved along:

- the content types, so that the permissions given to staff and the admin's
  history follow the models;
- the path of each task already queued, so that the worker still finds it.
"""

from django.db import migrations

# The label django-tasks-db stores with each queued task is its dotted path.
TASKS_APP_DEPENDENCY = ("django_tasks_database", "0021_conditional_partial_index_ordering")
CONTENT_TYPES_DEPENDENCY = ("contenttypes", "0002_remove_content_type_name")


def move_content_types(source, target, model_names):
    """A RunPython moving the content types of ``model_names`` from app ``source`` to ``target`` (and back)."""

    def move(apps, from_label, to_label):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in model_names:
            # A database migrated from before the move has only the old row;
            # a fresh one has neither yet (post_migrate creates them).
            if not content_type.objects.filter(app_label=to_label, model=model).exists():
                content_type.objects.filter(app_label=from_label, model=model).update(app_label=to_label)

    return migrations.RunPython(
        lambda apps, schema_editor: move(apps, source, target),
        lambda apps, schema_editor: move(apps, target, source),
    )


def rename_task_paths(renamed):
    """A RunPython giving queued tasks their new path (``{old path: new path}``), and back."""

    def rename(apps, mapping):
        task_result = apps.get_model("django_tasks_database", "DBTaskResult")
        for old, new in mapping.items():
            task_result.objects.filter(task_path=old).update(task_path=new)

    return migrations.RunPython(
        lambda apps, schema_editor: rename(apps, renamed),
        lambda apps, schema_editor: rename(apps, {new: old for old, new in renamed.items()}),
    )
