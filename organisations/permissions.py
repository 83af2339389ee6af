"""Who may speak for which organisation. One place, used by every editing view.

Rules:
- staff may edit every organisation;
- an editor (a ``Membership``) may edit the organisations they belong to,
  as long as these are approved: a refused or withdrawn organisation no
  longer speaks on the site;
- every account, staff or editor, must have enrolled a second factor before
  doing anything (``campaign.accounts.TwoFactorEnrolmentMiddleware``), so
  the views below can rely on ``login_required`` alone.
"""

from django.contrib.auth.models import AnonymousUser

from campaign.models import User
from organisations.models import Organisation, OrganisationQuerySet


def organisations_for(user: User | AnonymousUser) -> OrganisationQuerySet:
    """The organisations ``user`` may edit and publish for (staff: all of them)."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.approved().filter(memberships__user=user)


def can_edit_organisation(user: User | AnonymousUser, organisation: Organisation) -> bool:
    return organisations_for(user).filter(pk=organisation.pk).exists()


def is_editor(user: User | AnonymousUser) -> bool:
    """Staff, or editor of at least one approved organisation."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or Organisation.objects.approved().filter(memberships__user=user).exists())
    )
