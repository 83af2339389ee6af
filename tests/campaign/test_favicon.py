"""The site's icon: linked from every layout, and /favicon.ico answered, so no page view logs a 404."""

import logging
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.campaign.factories import enrol_totp, make_user

pytestmark = pytest.mark.django_db

ICON_LINKS = [
    '<link rel="icon" href="/static/icons/favicon.ico" sizes="32x32">',
    '<link rel="icon" href="/static/icons/favicon.svg" type="image/svg+xml">',
    '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">',
]


def icon_links(response):
    return re.findall(r'<link rel="(?:icon|apple-touch-icon)"[^>]*>', response.content.decode())


def test_favicon_ico_is_answered_at_the_root_with_a_long_cache_and_no_cookie(client, caplog):
    caplog.set_level(logging.INFO, logger="campaign.requests")

    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.content == (settings.BASE_DIR / "static" / "icons" / "favicon.ico").read_bytes()
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response["Cache-Control"] == "public, max-age=604800, stale-if-error=86400, stale-while-revalidate=600"
    assert response.cookies == {}
    assert [record.getMessage() for record in caplog.records] == ["GET /favicon.ico 200"]


@pytest.mark.parametrize("path", ["/", "/appel/", "/en/", "/compte/connexion/", "/page-inexistante/"])
def test_the_sites_pages_link_the_icons(client, pages, path):
    assert icon_links(client.get(path)) == ICON_LINKS


def test_the_admin_links_the_icons_too():
    staff = Client()
    staff.force_login(enrol_totp(make_user(superuser=True)))

    for path in ("/admin/", "/admin/campaign/page/"):
        assert icon_links(staff.get(path)) == ICON_LINKS, path
