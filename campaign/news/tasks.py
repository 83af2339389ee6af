"""Background work of the news, run by `manage.py db_worker`."""

from django.tasks import task

from campaign.news import services


@task()
def send_post_batch(post_id):
    """One batch of a post's mailing to signers; enqueues the next batch itself."""
    return services.send_batch(post_id)


@task()
def resume_mailings():
    """Periodic: restart mailings whose worker died in the middle."""
    return services.resume_mailings()


@task()
def prune_images():
    """Periodic: delete cover images no post uses any more."""
    return services.prune_images()
