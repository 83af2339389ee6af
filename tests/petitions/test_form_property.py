"""Whatever people (or robots) type, the signing form answers with a page, never a server error."""

import time

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from campaign.antispam import form_timestamp
from petitions.addresses import normalise_email
from petitions.models import Signature

FIELDS = ["first_name", "last_name", "email", "postcode", "abroad", "role", "show_name", "wants_news", "website_url"]
VALID = {"first_name": "Zoé", "last_name": "Nguyễn", "email": "zoe@example.org", "postcode": "20137", "role": "parent"}

# Arbitrary text, with a bias toward what reaches the deeper checks.
anything = st.one_of(
    st.text(),
    st.text(max_size=300),
    st.sampled_from(["", " ", "Zoé", "=1+1", "zoe@example.org", "75011", "20137", "98000", "parent", "on"]),
    st.emails(),
    st.from_regex(r"[0-9 ]{0,7}", fullmatch=True),
)
# Every field arbitrary, or a valid submission with some fields replaced.
submissions = st.one_of(
    st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, anything)),
    st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, anything)).map(lambda changed: VALID | changed),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=submissions, stamp=st.one_of(st.just("fresh"), st.just("old"), st.text()))
def test_arbitrary_text_in_every_field_never_gives_a_server_error(client, petition, settings, data, stamp):
    # Without limits, every valid example goes all the way to the database.
    settings.SIGNATURE_RATE_LIMITS = []
    data["shown_at"] = {"fresh": form_timestamp(time.time() - 10), "old": form_timestamp(0)}.get(stamp, stamp)
    before = Signature.objects.count()

    response = client.post("/signer/", data)
    event(f"status {response.status_code}")

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert Signature.objects.filter(email_normalised=normalise_email(data["email"])).exists()
    else:
        assert Signature.objects.count() == before
