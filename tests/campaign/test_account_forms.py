"""allauth's public forms are bounded: a huge value is refused at once, with the site's French message."""

import json
import time

import pytest
from django.test import Client

from campaign import account_forms
from tests.campaign.factories import PASSWORD, enrol_totp, field_errors, make_user
from tests.conftest import use_own_cache

pytestmark = pytest.mark.django_db

HUGE = "a" * 100_000


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


def timed_post(client, path, data):
    start = time.perf_counter()
    response = client.post(path, data)
    return response, time.perf_counter() - start


@pytest.mark.parametrize(
    ("path", "form_class"),
    [
        ("/compte/connexion/", account_forms.LoginForm),
        ("/compte/password/reset/", account_forms.ResetPasswordForm),
    ],
)
def test_the_bounded_forms_are_the_ones_used(client, path, form_class):
    assert type(client.get(path).context["form"]) is form_class


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"login": HUGE + "@example.org", "password": PASSWORD},
            "login",
            "254 caractères au plus (vous en avez saisi 100012).",
        ),
        (
            {"login": "zoe@example.org", "password": HUGE},
            "password",
            "4096 caractères au plus (vous en avez saisi 100000).",
        ),
    ],
)
def test_a_huge_login_or_password_is_refused_in_milliseconds(client, data, field, message):
    make_user("zoe@example.org")

    response, elapsed = timed_post(client, "/compte/connexion/", data)

    assert elapsed < 1
    assert field_errors(response.content.decode(), field) == [message]
    assert "_auth_user_id" not in client.session


def test_a_huge_address_asking_for_a_password_reset_is_refused_in_milliseconds(client):
    response, elapsed = timed_post(client, "/compte/password/reset/", {"email": HUGE})

    assert elapsed < 1
    assert field_errors(response.content.decode(), "email") == ["254 caractères au plus (vous en avez saisi 100000)."]


def test_a_huge_second_factor_code_is_refused_in_milliseconds(client):
    user = enrol_totp(make_user())
    assert client.post("/compte/connexion/", {"login": user.email, "password": PASSWORD}).status_code == 302

    response, elapsed = timed_post(client, "/compte/2fa/authenticate/", {"code": HUGE})

    assert elapsed < 1
    assert field_errors(response.content.decode(), "code") == ["64 caractères au plus (vous en avez saisi 100000)."]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "credential",
    [
        "[]",
        "42",
        '"texte"',
        "null",
        "{}",
        '{"response": []}',
        '{"id": "x"}',
        "[" * 8000 + "]" * 8000,
        "{" * 4000,
        "9" * 5000,  # over Python's limit for converting digits to an integer: json.loads raises ValueError
        '{"id": ' + "1" * 4400 + "}",
        HUGE,
        "\x00",
    ],
)
def test_a_malformed_security_key_answer_sends_back_to_the_login_page(credential):
    client = Client()

    response, elapsed = timed_post(client, "/compte/2fa/webauthn/login/", {"credential": credential})

    assert elapsed < 1
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/"
    assert "_auth_user_id" not in client.session


def test_a_security_key_answer_of_a_normal_size_is_read():
    answer = json.dumps({"id": "x" * 500, "response": {"clientDataJSON": "y" * 2000}})
    assert len(answer) < account_forms.CREDENTIAL_MAX_LENGTH

    form = account_forms.LoginWebAuthnForm({"credential": answer})

    assert not form.is_valid()
    assert "credential" in form.errors
    assert "caractères au plus" not in form.errors["credential"][0]
