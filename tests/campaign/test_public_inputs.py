"""Whatever anyone sends to a public form or query parameter, the site answers with a page.

Random and adversarial values (huge strings, NUL, invalid UTF-8 and lone
surrogates, out-of-range integers, direction overrides, formula starts, very
long query strings) posted to every public form and every query parameter:
never a 5xx, never the outage page, nothing stored when refused, and each
answer within a second (quadratic work on 100 KB takes tens of seconds; a
second does not flake on a busy machine).
"""

import time
from datetime import timedelta
from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaign.antispam import form_timestamp
from campaign.models import OutgoingEmail, User
from news.mailing import unsubscribe_token
from news.models import Post
from organisations.models import Organisation
from organisations.services import confirmation_token
from petitions import tokens
from petitions.initial_content import load_petition
from petitions.models import Petition, Signature
from tests.campaign.factories import PASSWORD, enrol_totp, make_user
from tests.campaign.html_text import heading
from tests.conftest import use_own_cache
from tests.news.factories import make_post
from tests.organisations.factories import make_organisation
from tests.petitions.factories import make_signature

pytestmark = pytest.mark.django_db

SECOND = 1.0
EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NASTY = [
    "",
    " ",
    "\x00",
    "Zoé\x00",
    "a" * 100_000,
    "a." * 50_000,
    "https://" + "a" * 50_000,
    "www." * 25_000,
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "\u3164",
    "\u2800",
    "\ud800",  # a lone surrogate: sent as invalid UTF-8
    "\udfff\ud800",
    "=1+1",
    "+33612345678",
    "-",
    "@SUM(A1)",
    "99999999999999999999",
    "-9223372036854775809",
    "9" * 5000,
    "1e309",
    "NaN",
    "0",
    "-1",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "[" * 8000,
    '{"id": "x"}',
    "_",
]
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.binary(max_size=24),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def encoded(value):
    """Percent-encoded as a browser (or anyone) might send it; bytes and lone surrogates become invalid UTF-8."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe="")


def query(data):
    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in data.items())


def counts():
    return {model.__name__: model.objects.count() for model in (Signature, Organisation, OutgoingEmail, User, Post)}


def send(client, method, path, data=None):
    """One request, checked: a page of ours, in time."""
    start = time.perf_counter()
    if method == "GET":
        response = client.get(f"{path}?{query(data)}" if data else path)
    else:
        response = client.generic(
            method, path, query(data or {}).encode("ascii"), content_type="application/x-www-form-urlencoded"
        )
    elapsed = time.perf_counter() - start

    assert response.status_code < 500, (method, path, response.status_code)
    assert "momentanément indisponible" not in response.content.decode("utf-8", "replace")
    assert elapsed < SECOND, (method, path, elapsed)
    return response


@pytest.fixture
def site(settings, pages):
    """The site as visitors find it, with its limits lifted so that valid submissions go all the way."""
    use_own_cache(settings)
    settings.SIGNATURE_RATE_LIMITS = []
    settings.SEARCH_RATE_LIMITS = []
    settings.ORGANISATION_JOIN_RATE = (10**9, 3600)
    settings.ACCOUNT_RATE_LIMITS = False
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=30))
    organisation = make_organisation("ICEM", slug="icem")
    make_post("Contre le fichage", organisation=organisation)
    signature = make_signature(Petition.objects.get(), show_name=True)
    pending = make_organisation("Collectif en attente", status=Organisation.Status.PENDING)
    return {
        "user": enrol_totp(make_user("equipe@example.org")),
        "tokens": [
            tokens.confirmation_token(signature),
            tokens.withdrawal_token(signature),
            unsubscribe_token(signature),
            confirmation_token(pending),
        ],
    }


def fields(names, valid):
    """Every field arbitrary, or a valid submission with some fields replaced (to reach the deeper checks)."""
    arbitrary = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))
    return st.one_of(arbitrary, arbitrary.map(lambda changed: {**valid(), **changed}))


SIGNING = ["first_name", "last_name", "email", "postcode", "abroad", "role", "show_name", "wants_news", "website_url"]


def valid_signature():
    return {
        "first_name": "Zoé",
        "last_name": "Martin",
        "email": f"zoe{time.monotonic_ns()}@example.org",
        "postcode": "38000",
        "role": "parent",
        "shown_at": form_timestamp(time.time() - 10),
    }


@EXAMPLES
@given(data=fields([*SIGNING, "shown_at"], valid_signature))
@example(data={**valid_signature(), "first_name": "a" * 90_000})  # stalled a worker for 30 s
@example(data={**valid_signature(), "last_name": "Martin\u202e", "first_name": "\u3164"})
def test_signing(site, data):
    before = counts()

    response = send(Client(), "POST", "/signer/", data)

    if response.status_code != 302:
        assert counts() == before


JOINING = ["name", "short_name", "kind", "scope", "website", "description", "contact_name", "contact_email"]


def valid_request():
    return {
        "name": f"Collectif {time.monotonic_ns()}",
        "kind": "collectif",
        "scope": "national",
        "contact_name": "Zoé Martin",
        "contact_email": "zoe@example.org",
        "consent": "on",
        "shown_at": form_timestamp(time.time() - 10),
    }


@EXAMPLES
@given(data=fields([*JOINING, "message", "consent", "website_url", "shown_at"], valid_request))
@example(data={**valid_request(), "name": "_"})  # reached a check constraint, then the outage page
@example(data={**valid_request(), "description": "a." * 50_000})
def test_joining(site, data):
    before = counts()

    response = send(Client(), "POST", "/organisations/rejoindre/", data)

    if response.status_code != 302:
        assert counts() == before


PAGES_WITH_PARAMETERS = [
    "/",
    "/actualites/",
    "/en/actualites/",
    "/recherche/",
    "/en/recherche/",
    "/signataires/",
    "/organisations/",
    "/organisations/icem/",
    "/actualites/rss/",
    "/actualites/atom/",
    "/organisations/icem/rss/",
    "/signer/",
    "/organisations/rejoindre/",
]


@EXAMPLES
@given(
    path=st.sampled_from(PAGES_WITH_PARAMETERS),
    data=st.dictionaries(st.sampled_from(["organisation", "page", "q"]) | st.text(max_size=10), values, max_size=4),
)
@example(path="/actualites/", data={"organisation": "\x00"})  # reached PostgreSQL, then the outage page
@example(path="/recherche/", data={"q": "\x00", "page": "99999999999999999999"})
def test_query_parameters(site, path, data):
    before = counts()

    send(Client(), "GET", path, data)

    assert counts() == before


PATH_LIMIT = 4000
LINKS = [
    "/signer/confirmer/{}/",
    "/signer/retirer/{}/",
    "/actualites/desabonnement/{}/",
    "/organisations/rejoindre/confirmer/{}/",
    "/compte/password/reset/key/{}/",
]


@EXAMPLES
@given(
    link=st.sampled_from(LINKS),
    method=st.sampled_from(["GET", "POST"]),
    garbage=values,
    mutate=st.integers(min_value=0, max_value=3),
)
def test_links_with_garbage_tokens(site, link, method, garbage, mutate):
    before = counts()
    # Garbage alone, or one of our real tokens with garbage after it (still a bad token). gunicorn
    # refuses a request line over 4094 bytes, so a longer path never reaches the application.
    token = encoded(garbage) if mutate == 3 else site["tokens"][mutate] + (encoded(garbage) or "x")
    token = token[:PATH_LIMIT]

    send(Client(), method, link.format(token))

    assert counts() == before


@EXAMPLES
@given(
    path=st.sampled_from(["/compte/connexion/", "/compte/password/reset/"]),
    data=st.fixed_dictionaries({}, optional={"login": values, "password": values, "email": values}),
)
@example(path="/compte/connexion/", data={"login": "equipe@example.org", "password": "a" * 100_000})
def test_login_and_password_reset(site, path, data):
    before = counts()
    client = Client()

    response = send(client, "POST", path, data)

    assert "_auth_user_id" not in client.session
    # Asking for a reset emails the address (whether it has an account or not); nothing else is stored.
    after = counts()
    if path.endswith("reset/") and response.status_code == 302:
        after["OutgoingEmail"] = before["OutgoingEmail"]
    assert after == before


@pytest.fixture
def second_factor_asked(site):
    """A browser whose password was right: the site now asks for the second factor."""
    client = Client()
    response = client.post("/compte/connexion/", {"login": "equipe@example.org", "password": PASSWORD})
    assert response["Location"] == "/compte/2fa/authenticate/"
    return client


@EXAMPLES
@given(code=values, credential=values)
def test_second_factor_and_security_keys(second_factor_asked, code, credential):
    send(second_factor_asked, "POST", "/compte/2fa/authenticate/", {"code": code})
    send(Client(), "POST", "/compte/2fa/webauthn/login/", {"credential": credential})

    assert "_auth_user_id" not in second_factor_asked.session
    still_asked = second_factor_asked.get("/compte/2fa/authenticate/")
    assert (still_asked.status_code, heading(still_asked.content.decode())) == (200, "Double authentification")
