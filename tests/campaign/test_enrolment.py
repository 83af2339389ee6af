"""Enrolling an authenticator app: the key survives reloads, the page works on the phone itself, refusals say why."""

import html
import re
import time
from html.parser import HTMLParser

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.test import Client

from tests.campaign.factories import (
    PASSWORD,
    enrol_totp,
    field_errors,
    make_user,
    page_secret,
    second_factors,
    totp_code,
)
from tests.conftest import use_own_cache

pytestmark = pytest.mark.django_db

ACTIVATE = "/compte/2fa/totp/activate/"
WRONG_ACTIVATION = (
    "Code incorrect : il ne vient pas de la clé de cette page. Vérifiez que l'application a bien ajouté cette clé "
    "(code QR, lien ou clé à saisir), puis recopiez les 6 chiffres qu'elle affiche."
)
WRONG_LOGIN = (
    "Code incorrect : ce n'est ni le code que votre application affiche pour ce compte, ni l'un de vos codes de "
    "secours. Vérifiez le compte choisi dans l'application et recopiez ses 6 chiffres."
)
USED = (
    "Ce code a déjà servi : chaque code ne sert qu'une fois. Attendez que l'application en affiche un nouveau "
    "(ils changent toutes les 30 secondes) et saisissez-le."
)
EXPIRED = (
    "Ce code a expiré : les codes changent toutes les 30 secondes. Saisissez celui que l'application affiche "
    "maintenant ; s'il est refusé aussi, réglez votre téléphone sur l'heure automatique."
)
EARLY = (
    "Ce code n'est pas encore valable : l'horloge de votre téléphone est en avance. Réglez-le sur l'heure "
    "automatique, puis saisissez le code affiché."
)
RECOVERY_USED = "Ce code de secours a déjà servi : chacun ne sert qu'une fois. Prenez-en un autre dans votre liste."


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


def logged_in_without_second_factor(email="chef@example.org"):
    user = make_user(email, superuser=True)
    client = Client()
    client.post("/compte/connexion/", {"login": email, "password": PASSWORD})
    return user, client


def code_errors(response):
    return [html.unescape(error) for error in field_errors(response.content.decode(), "code")]


class Tags(HTMLParser):
    """Every tag of a page with its attributes, to compare attributes whatever their order."""

    def __init__(self, page):
        super().__init__()
        self.tags = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **wanted):
        return [attrs for name, attrs in self.tags if name == tag and wanted.items() <= attrs.items()]


# --- The key waits, unchanged, until enrolment succeeds or is cancelled ----------------


def test_a_reload_or_the_back_button_keeps_the_key_and_a_code_from_the_first_qr_code_enrols():
    user, client = logged_in_without_second_factor()
    first = client.get(ACTIVATE).content.decode()
    secret = page_secret(first)
    qr_code = re.search(r"<svg .*?</svg>", first, re.S).group(0)

    reloaded = client.get(ACTIVATE).content.decode()
    client.get("/compte/2fa/")  # back to the list of methods…
    came_back = client.get(ACTIVATE).content.decode()  # …and forward again

    assert page_secret(reloaded) == page_secret(came_back) == secret
    assert re.search(r"<svg .*?</svg>", came_back, re.S).group(0) == qr_code
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response["Location"] == "/compte/2fa/recovery-codes/"
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert decrypt(totp.data["secret"]) == secret
    assert "mfa.totp.secret" not in client.session


def test_a_refused_code_keeps_the_key():
    _user, client = logged_in_without_second_factor()
    secret = page_secret(client.get(ACTIVATE).content.decode())

    refused = client.post(ACTIVATE, {"code": "000000"})

    assert page_secret(refused.content.decode()) == secret
    assert page_secret(client.get(ACTIVATE).content.decode()) == secret


def test_cancelling_forgets_the_key_and_the_next_visit_draws_a_new_one():
    user, client = logged_in_without_second_factor()
    old = page_secret(client.get(ACTIVATE).content.decode())

    cancelled = client.post("/compte/2fa/totp/annuler/", follow=True)
    new = page_secret(client.get(ACTIVATE).content.decode())
    refused = client.post(ACTIVATE, {"code": totp_code(old)})

    assert cancelled.redirect_chain == [("/compte/2fa/", 302)]
    assert html.unescape(re.search(r'<p class="message message-info">(.*?)</p>', cancelled.content.decode())[1]) == (
        "Activation annulée : la clé affichée ne servira pas. Si votre application l'avait déjà ajoutée, "
        "supprimez-la de l'application."
    )
    assert new != old
    assert code_errors(refused) == [WRONG_ACTIVATION]
    assert second_factors(user) == []


def test_cancelling_is_a_post():
    _user, client = logged_in_without_second_factor()
    secret = page_secret(client.get(ACTIVATE).content.decode())

    assert client.get("/compte/2fa/totp/annuler/").status_code == 405
    assert page_secret(client.get(ACTIVATE).content.decode()) == secret


# --- On the phone that holds the authenticator app ------------------------------------------


def test_the_page_opens_the_app_shows_the_key_in_groups_and_asks_for_digits():
    _user, client = logged_in_without_second_factor("chef@example.org")
    page = client.get(ACTIVATE).content.decode()
    secret = page_secret(page)
    tags = Tags(page)

    assert len(secret) == 32
    [link] = tags.find("a", id="totp-link")
    assert link["href"] == f"otpauth://totp/chef%40example.org?secret={secret}&issuer=Retrait%20du%20LSUN"
    assert re.search(r'<a [^>]*id="totp-link">(.*?)</a>', page)[1] == "Ouvrir dans l'application d'authentification"
    groups = re.search(r'<code class="totp-secret" id="totp-secret">(.*?)</code>', page)[1]
    assert groups == "".join(f"<span>{secret[start : start + 4]}</span>" for start in range(0, 32, 4))
    [code] = tags.find("input", name="code")
    assert code == {
        "type": "text",
        "name": "code",
        "placeholder": "Code",
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "pattern": "[0-9]*",
        "maxlength": "64",
        "required": None,
        "id": "id_code",
    }


def test_the_login_code_field_asks_for_digits_too():
    enrol_totp(make_user("redaction@example.org"))
    client = Client()
    client.post("/compte/connexion/", {"login": "redaction@example.org", "password": PASSWORD})

    [code] = Tags(client.get("/compte/2fa/authenticate/").content.decode()).find("input", name="code")

    assert {name: code.get(name) for name in ("inputmode", "autocomplete", "pattern")} == {
        "inputmode": "numeric",
        "autocomplete": "one-time-code",
        "pattern": "[0-9]*",
    }


def test_a_code_typed_with_its_space_enrols():
    user, client = logged_in_without_second_factor()
    secret = page_secret(client.get(ACTIVATE).content.decode())
    code = totp_code(secret)

    client.post(ACTIVATE, {"code": f"{code[:3]} {code[3:]}"})

    assert second_factors(user) == ["recovery_codes", "totp"]


# --- A refused code says why ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "message"),
    [(None, WRONG_ACTIVATION), (-300, EXPIRED), (300, EARLY)],
    ids=["wrong", "expired", "clock-ahead"],
)
def test_a_refused_activation_code_says_why(offset, message):
    user, client = logged_in_without_second_factor()
    secret = page_secret(client.get(ACTIVATE).content.decode())
    code = "123456" if offset is None else totp_code(secret, at=time.time() + offset)

    response = client.post(ACTIVATE, {"code": code})

    assert code_errors(response) == [message]
    assert f'value="{code}"' in response.content.decode()  # the input is kept
    assert second_factors(user) == []


def test_the_code_of_the_previous_30_seconds_is_still_accepted():
    user, client = logged_in_without_second_factor()
    secret = page_secret(client.get(ACTIVATE).content.decode())

    response = client.post(ACTIVATE, {"code": totp_code(secret, at=time.time() - 30)})

    assert response["Location"] == "/compte/2fa/recovery-codes/"
    assert second_factors(user) == ["recovery_codes", "totp"]


def log_in_to_second_step(email):
    client = Client()
    client.post("/compte/connexion/", {"login": email, "password": PASSWORD})
    return client


def test_a_code_used_once_is_refused_as_already_used():
    enrol_totp(make_user("redaction@example.org"))
    code = totp_code()
    first = log_in_to_second_step("redaction@example.org")
    assert first.post("/compte/2fa/authenticate/", {"code": code})["Location"] == "/espace/"

    again = log_in_to_second_step("redaction@example.org")
    response = again.post("/compte/2fa/authenticate/", {"code": code})

    assert code_errors(response) == [USED]
    assert "_auth_user_id" not in again.session


def test_a_recovery_code_used_once_is_refused_as_already_used():
    user = enrol_totp(make_user("redaction@example.org"))
    code = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()[0]
    log_in_to_second_step(user.email).post("/compte/2fa/authenticate/", {"code": code})

    response = log_in_to_second_step(user.email).post("/compte/2fa/authenticate/", {"code": code})

    assert code_errors(response) == [RECOVERY_USED]


@pytest.mark.parametrize(
    ("offset", "message"),
    [(None, WRONG_LOGIN), (-600, EXPIRED), (120, EARLY)],
    ids=["wrong", "expired", "clock-ahead"],
)
def test_a_refused_login_code_says_why(offset, message):
    enrol_totp(make_user("redaction@example.org"))
    client = log_in_to_second_step("redaction@example.org")
    code = "123456" if offset is None else totp_code(at=time.time() + offset)

    response = client.post("/compte/2fa/authenticate/", {"code": code})

    assert code_errors(response) == [message]
    assert "_auth_user_id" not in client.session


def test_asking_again_for_the_code_says_why_it_is_refused():
    user = enrol_totp(make_user("redaction@example.org"))
    client = log_in_to_second_step(user.email)
    code = totp_code()
    client.post("/compte/2fa/authenticate/", {"code": code})

    response = client.post("/compte/2fa/reauthenticate/", {"code": code})

    assert code_errors(response) == [USED]
