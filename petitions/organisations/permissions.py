"""Who may speak for which organisation. One place, used by every editing view."""

from petitions.models import Organisation


def organisations_for(user):
    """The organisations ``user`` may edit and publish for (staff: all of them)."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def can_edit_organisation(user, organisation):
    return organisations_for(user).filter(pk=organisation.pk).exists()


def is_editor(user):
    """Staff, or member of at least one organisation."""
    return user.is_authenticated and user.is_active and (user.is_staff or user.memberships.exists())
