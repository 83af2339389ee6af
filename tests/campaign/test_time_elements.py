"""Every <time datetime> is a date the HTML standard accepts: to the second, never with microseconds."""

import re
from datetime import timedelta

from django.utils import timezone

from campaign.models import Page
from tests.campaign.factories import make_user
from tests.news.factories import make_post
from tests.organisations.factories import make_editor, make_organisation

# A valid date, or date and time with seconds and an offset (fractions of a
# second allowed up to three digits by the standard; we write none).
VALID = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?")
MOMENT = timezone.now().replace(microsecond=123456) - timedelta(days=3)


def datetimes(html):
    return re.findall(r'<time datetime="([^"]*)"', html)


def test_no_page_carries_microseconds(client, pages):
    Page.objects.get(slug=Page.APPEAL).revisions.update(created_at=MOMENT)
    Page.objects.get(slug=Page.PRIVACY).revisions.update(created_at=MOMENT)
    organisation = make_organisation("SUD éducation", slug="sud-education", approved_at=MOMENT)
    post = make_post("Rassemblement devant le rectorat", organisation=organisation, updated_at=MOMENT)
    post.published_at = MOMENT - timedelta(days=1)
    post.save()

    seen = []
    for path in (
        "/",
        "/appel/",
        "/confidentialite/",
        "/actualites/",
        post.get_absolute_url(),
        "/recherche/?q=rectorat",
    ):
        seen += datetimes(client.get(path).content.decode())
    client.force_login(make_editor(organisation, second_factor=True))
    seen += datetimes(client.get("/espace/actualites/").content.decode())
    client.force_login(make_user(staff=True, second_factor=True))
    seen += datetimes(client.get("/organisations/sud-education/").content.decode())

    local = timezone.localtime(MOMENT).replace(microsecond=0).isoformat()
    assert [value for value in seen if not VALID.fullmatch(value)] == []
    assert seen.count(local) == 5  # the appeal (home, /appel/), the privacy notice, the post updated, the editing list
