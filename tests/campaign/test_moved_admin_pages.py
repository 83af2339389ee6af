"""The admin pages of models that moved to another app keep answering at their old address."""

import pytest

from tests.campaign.factories import make_user
from tests.organisations.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/petitions/organisation/{pk}/change/", "/admin/organisations/organisation/{pk}/change/"),
        ("/admin/petitions/organisation/?status=pending", "/admin/organisations/organisation/?status=pending"),
        ("/admin/petitions/auditentry/", "/admin/campaign/auditentry/"),
        ("/admin/campaign/post/", "/admin/news/post/"),
    ],
)
def test_an_old_admin_address_leads_to_the_same_page(client, old, new):
    organisation = make_organisation("SUD éducation")

    response = client.get(old.format(pk=organisation.pk))

    assert (response.status_code, response["Location"]) == (301, new.format(pk=organisation.pk))


def test_the_link_of_a_moderation_email_sent_before_opens_the_organisation(client):
    organisation = make_organisation("SUD éducation")
    client.force_login(make_user(superuser=True, second_factor=True))

    response = client.get(f"/admin/petitions/organisation/{organisation.pk}/change/", follow=True)

    assert response.redirect_chain == [(f"/admin/organisations/organisation/{organisation.pk}/change/", 301)]
    assert response.context["original"] == organisation
