"""Background tasks of the petition, run by `manage.py db_worker`."""

from django.tasks import task

from petitions import services


@task()
def prune_signatures():
    """Daily (settings.PERIODIC_TASKS): what `manage.py prune_signatures` does."""
    return services.prune().as_dict()
