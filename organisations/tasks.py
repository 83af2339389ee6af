from django.tasks import task

from organisations import services


@task()
def prune_requests():
    """Daily: forget join requests never confirmed, and refused ones past their retention."""
    return services.prune_requests()
