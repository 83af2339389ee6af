"""Periodic work of the news, run by `manage.py db_worker`."""

from django.tasks import task

from news import mailing, services


@task()
def resume_mailings():
    """Periodic: restart mailings whose worker died in the middle."""
    return mailing.resume_mailings()


@task()
def prune_images():
    """Periodic: delete cover images no post uses any more."""
    return services.prune_images()
