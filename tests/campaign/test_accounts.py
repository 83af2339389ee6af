"""Accounts: invitation only, a second factor for every account before anything else, allauth mail via the outbox."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.utils import timezone

from campaign.accounts import AccountAdapter, after_enrolment_url
from campaign.client_ip import client_key
from campaign.models import OutgoingEmail, SharedCacheEntry, User
from campaign.shared_cache import PostgresCache
from organisations.models import Organisation
from tests.campaign.factories import (
    PASSWORD,
    enrol_totp,
    field_errors,
    make_user,
    page_secret,
    second_factors,
    totp_code,
)
from tests.conftest import message_text, use_own_cache
from tests.organisations.factories import make_editor, make_organisation

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"  # SITE_URL's default, which the suite runs with


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Login rate limits and used TOTP codes live in the cache."""
    use_own_cache(settings)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def log_in(client, email, password=PASSWORD):
    return client.post("/compte/connexion/", {"login": email, "password": password})


# --- Enrolment is mandatory ----------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/organisations/organisation/", "/espace/", "/", "/organisations/"])
def test_staff_without_second_factor_is_sent_to_enrolment_from_any_page(pages, path):
    staff = logged_in(make_user(superuser=True))

    response = staff.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/compte/2fa/"


def test_an_editor_without_second_factor_is_sent_to_enrolment():
    organisation = make_organisation("ICEM", slug="icem")
    editor = logged_in(make_editor(organisation))

    for path in ("/espace/", "/espace/organisations/icem/", "/compte/password/change/"):
        assert editor.get(path)["Location"] == "/compte/2fa/"
    response = editor.post("/espace/organisations/icem/", {"description": "Avant d'être protégé."})
    assert response["Location"] == "/compte/2fa/"
    organisation.refresh_from_db()
    assert organisation.description == ""


def test_enrolment_pages_and_logout_stay_reachable():
    user = make_user(staff=True)
    client = Client()
    log_in(client, user.email)

    for path in ("/compte/2fa/", "/compte/2fa/totp/activate/", "/compte/2fa/webauthn/add/", "/compte/logout/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/compte/logout/")["Location"] == "/"


def test_enrolment_explains_itself():
    html = logged_in(make_user()).get("/compte/2fa/").content.decode()

    assert "<h1>Double authentification</h1>" in html
    assert "Une étape avant de continuer." in html
    assert (
        '<a class="button" href="/compte/2fa/totp/activate/">Activer une application d&#x27;authentification</a>'
        in (html)
        or '<a class="button" href="/compte/2fa/totp/activate/">Activer une application d\'authentification</a>' in html
    )


def test_enrolling_returns_to_the_page_that_was_asked_for():
    staff = make_user(superuser=True)
    client = Client()
    log_in(client, staff.email)
    client.get("/admin/organisations/organisation/?status=pending")
    secret = page_secret(client.get("/compte/2fa/totp/activate/").content.decode())

    response = client.post("/compte/2fa/totp/activate/", {"code": totp_code(secret)})

    assert response["Location"] == "/compte/2fa/recovery-codes/"
    assert "Codes de secours" in client.get("/compte/2fa/recovery-codes/").content.decode()
    assert client.get("/compte/continuer/")["Location"] == "/admin/organisations/organisation/?status=pending"
    admin_page = client.get("/admin/organisations/organisation/")
    assert admin_page.status_code == 200
    assert admin_page.context["cl"].model is Organisation


def test_a_wrong_code_does_not_enrol():
    user = make_user()
    client = Client()
    log_in(client, user.email)
    client.get("/compte/2fa/totp/activate/")

    response = client.post("/compte/2fa/totp/activate/", {"code": "000000"})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "code")[0].startswith("Code incorrect : ")
    assert second_factors(user) == []


def test_enrolled_staff_reach_the_admin():
    staff = logged_in(enrol_totp(make_user(superuser=True)))

    response = staff.get("/admin/")

    assert response.status_code == 200
    # Each part of the site under its own heading, in alphabetical order of their names.
    assert [app["app_label"] for app in response.context["app_list"]] == [
        "news",
        "actions",
        "auth",
        "account",
        "organisations",
        "petitions",
        "campaign",
    ]


def test_the_last_second_factor_cannot_be_removed():
    user = enrol_totp(make_user())
    client = logged_in(user)
    log_in(client, user.email)  # a fresh authentication, so that allauth does not ask for the password again

    client.post("/compte/2fa/totp/deactivate/")

    assert second_factors(user) == ["recovery_codes", "totp"]


def test_a_first_enrolment_later_in_the_session_asks_for_the_password_again():
    client = Client()
    user = make_user()
    with time_machine.travel(time.time() - 600):
        log_in(client, user.email)

    assert client.get("/compte/2fa/totp/activate/")["Location"].startswith("/compte/reauthenticate/")


def test_after_enrolment_url_refuses_another_site(rf):
    request = rf.get("/")
    request.session = {"campaign.accounts.after-enrolment": "https://evil.example/"}

    assert after_enrolment_url(request) == "/espace/"


# --- Logging in ---------------------------------------------------------------


def test_login_asks_for_the_second_factor_then_lands_in_the_space():
    user = enrol_totp(make_user("redaction@example.org"))
    client = Client()

    first = log_in(client, "Redaction@Example.org")

    assert first["Location"] == "/compte/2fa/authenticate/"
    assert client.get("/espace/")["Location"] == "/compte/connexion/?next=/espace/"
    page = client.get("/compte/2fa/authenticate/").content.decode()
    assert "<h1>Double authentification</h1>" in page
    wrong = client.post("/compte/2fa/authenticate/", {"code": "123456"})
    assert field_errors(wrong.content.decode(), "code")[0].startswith("Code incorrect : ")
    done = client.post("/compte/2fa/authenticate/", {"code": totp_code()})
    assert done["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200
    assert user.email in client.get("/espace/").content.decode()


def test_a_recovery_code_also_works_once():
    user = enrol_totp(make_user())
    code = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()[0]

    client = Client()
    log_in(client, user.email)
    assert client.post("/compte/2fa/authenticate/", {"code": code})["Location"] == "/espace/"
    again = Client()
    log_in(again, user.email)
    refused = again.post("/compte/2fa/authenticate/", {"code": code})
    assert refused.status_code == 200
    assert "Ce code de secours a déjà servi" in refused.content.decode()
    assert "_auth_user_id" not in again.session


def test_staff_go_through_allauth_to_reach_the_admin():
    response = Client().get("/admin/", follow=True)

    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        ("/compte/connexion/?next=%2Fadmin%2F", 302),
    ]
    assert "<h1>Connexion</h1>" in response.content.decode()


def test_staff_log_in_with_their_second_factor_then_reach_the_admin():
    enrol_totp(make_user("equipe@example.org", superuser=True))
    client = Client()

    client.post(
        "/compte/connexion/?next=%2Fadmin%2F", {"login": "equipe@example.org", "password": PASSWORD, "next": "/admin/"}
    )
    response = client.post("/compte/2fa/authenticate/", {"code": totp_code()})

    assert response["Location"] == "/admin/"
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 200
    assert admin_page.context["user"].email == "equipe@example.org"


def test_the_admin_login_form_of_django_is_not_reachable():
    enrol_totp(make_user("equipe@example.org", superuser=True))
    client = Client()

    response = client.post("/admin/login/", {"username": "equipe@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


TOO_MANY = "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement."


@pytest.fixture
def fast_passwords(settings):
    """Many logins in one test: a hash that costs nothing (the limits are what is tested, not PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_guesser_is_stopped_after_five_failures_from_one_network(fast_passwords):
    owner = enrol_totp(make_user("redaction@example.org"))
    other = enrol_totp(make_user("equipe@example.org"))
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        assert log_in(guesser, owner.email, "mauvais mot de passe").status_code == 200

    right_password = log_in(guesser, owner.email)
    another_account = log_in(guesser, other.email)

    for response in (right_password, another_account):
        assert response.status_code == 200
        assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in guesser.session


def test_a_network_gets_twenty_failures_a_day(fast_passwords):
    user = enrol_totp(make_user())
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    start = timezone.now()
    for round_ in range(4):  # five every six minutes: within the five-minute limit
        with time_machine.travel(start + timedelta(minutes=6 * round_)):
            for _ in range(5):
                assert TOO_MANY not in log_in(guesser, user.email, "mauvais").content.decode()

    with time_machine.travel(start + timedelta(minutes=30)):
        refused = log_in(guesser, user.email)
    with time_machine.travel(start + timedelta(days=1, minutes=1)):
        next_day = log_in(guesser, user.email)

    assert TOO_MANY in refused.content.decode()
    assert next_day["Location"] == "/compte/2fa/authenticate/"


def test_strangers_failures_do_not_lock_the_owner_out(fast_passwords):
    owner = enrol_totp(make_user("redaction@example.org"))
    for stranger in ("203.0.113.7", "198.51.100.9", "2001:db8:1::1"):
        client = Client(REMOTE_ADDR=stranger)
        for _ in range(6):
            log_in(client, owner.email, "mauvais mot de passe")

    at_home = Client(REMOTE_ADDR="192.0.2.44")
    response = log_in(at_home, owner.email)

    assert response["Location"] == "/compte/2fa/authenticate/"
    assert at_home.post("/compte/2fa/authenticate/", {"code": totp_code()})["Location"] == "/espace/"


def test_second_factor_guesses_are_limited_per_account_whatever_the_network(fast_passwords):
    # Only someone holding the password gets this far; codes tried from many networks add up.
    owner = enrol_totp(make_user("redaction@example.org"))
    for number in range(5):
        client = Client(REMOTE_ADDR=f"203.0.113.{number + 1}")
        log_in(client, owner.email)
        wrong = client.post("/compte/2fa/authenticate/", {"code": "000000"})
        assert field_errors(wrong.content.decode(), "code")[0].startswith("Code incorrect : ")

    client = Client(REMOTE_ADDR="198.51.100.9")
    log_in(client, owner.email)
    response = client.post("/compte/2fa/authenticate/", {"code": totp_code()})

    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_limits_and_used_codes_are_kept_for_every_process():
    user = enrol_totp(make_user())
    log_in(Client(REMOTE_ADDR="203.0.113.7"), user.email, "mauvais mot de passe")
    first = Client()
    log_in(first, user.email)
    code = totp_code()
    assert first.post("/compte/2fa/authenticate/", {"code": code})["Location"] == "/espace/"

    second = Client()
    log_in(second, user.email)
    replayed = second.post("/compte/2fa/authenticate/", {"code": code})

    assert field_errors(replayed.content.decode(), "code")[0].startswith("Ce code a déjà servi")
    # In the cache every process shares (Redis, or without CACHE_URL a PostgreSQL table), not in one process's memory.
    shared = caches["default"]
    assert isinstance(shared, PostgresCache | RedisCache)
    assert shared.has_key(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    if isinstance(shared, PostgresCache):
        assert SharedCacheEntry.objects.filter(key__contains=":allauth:rl:allauth.account:login_failed:").exists()


def test_rate_limits_key_on_a_hash_of_the_client_not_its_address(rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")

    key = AccountAdapter(request).get_client_ip(request)

    assert key == client_key(request)
    assert "203.0.113.7" not in key


def test_a_password_reset_still_requires_the_second_factor(smtp_server, run_tasks):
    user = enrol_totp(make_user("redaction@example.org"))
    client = Client()
    client.post("/compte/password/reset/", {"email": "redaction@example.org"})
    run_tasks()
    [message] = smtp_server.wait_for(1)
    path = re.search(rf"{SITE}(/compte/password/reset/key/\S+)", message_text(message)).group(1)
    set_path = client.get(path)["Location"]

    response = client.post(
        set_path, {"password1": "un tout nouveau mot de passe", "password2": "un tout nouveau mot de passe"}
    )

    assert response["Location"] == "/compte/2fa/authenticate/"
    assert client.get("/espace/").status_code == 302
    user.refresh_from_db()
    assert user.check_password("un tout nouveau mot de passe")


# --- No public sign-up ----------------------------------------------------------


def test_there_is_no_public_sign_up(client):
    page = client.get("/compte/signup/")
    client.post("/compte/signup/", {"email": "intrus@example.org", "password1": PASSWORD, "password2": PASSWORD})

    assert "<h1>Comptes sur invitation</h1>" in page.content.decode()
    assert not User.objects.filter(email="intrus@example.org").exists()
    assert "signup" not in client.get("/compte/connexion/").content.decode()


# --- allauth's emails -------------------------------------------------------------


def test_allauth_emails_go_through_the_outbox(smtp_server, run_tasks):
    make_user("redaction@example.org")

    Client().post("/compte/password/reset/", {"email": "redaction@example.org"})

    queued = OutgoingEmail.objects.get()
    assert queued.key.startswith("account:password_reset_key:")
    assert queued.status == OutgoingEmail.Status.PENDING
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "redaction@example.org"
    assert message["Subject"] == "Choisir un nouveau mot de passe sur le site de l'appel pour le retrait du LSUN"
    assert "/compte/password/reset/key/" in message_text(message)


def test_an_unverified_address_gets_a_confirmation_before_login(smtp_server, run_tasks):
    make_user("nouveau@example.org", verified=False)
    client = Client()

    response = log_in(client, "nouveau@example.org")

    assert response["Location"] == "/compte/confirm-email/"
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "nouveau@example.org"
    assert "/compte/confirm-email/" in message_text(message)


def test_the_first_staff_account_confirms_its_address_then_enrols(smtp_server, run_tasks):
    User.objects.create_superuser("chef@example.org", PASSWORD)  # manage.py createsuperuser
    client = Client()

    assert log_in(client, "chef@example.org")["Location"] == "/compte/confirm-email/"
    run_tasks()
    [message] = smtp_server.wait_for(1)
    path = re.search(rf"{SITE}(/compte/confirm-email/\S+)", message_text(message)).group(1)
    assert client.get(path).status_code == 200  # a page with a button: mail scanners follow links
    response = client.post(path)

    # Logged in by the confirmation (the login began in this browser), then sent to enrolment.
    assert response["Location"] == "/espace/"
    assert client.get("/admin/")["Location"] == "/compte/2fa/"


def test_links_in_allauth_emails_come_from_site_url_not_the_host_header(settings, smtp_server, run_tasks):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    make_user("redaction@example.org")
    make_user("nouveau@example.org", verified=False)
    forged = Client(HTTP_HOST="evil.example")

    forged.post("/compte/password/reset/", {"email": "redaction@example.org"})
    log_in(forged, "nouveau@example.org")
    run_tasks()

    messages = {message["To"]: message_text(message) for message in smtp_server.wait_for(2)}
    reset, confirmation = messages["redaction@example.org"], messages["nouveau@example.org"]
    assert re.findall(r"https?://\S+", reset) == [
        re.search(rf"{SITE}/compte/password/reset/key/[0-9a-z]+-[0-9A-Za-z-]+/", reset).group(0),
        SITE,  # the signature
    ]
    assert re.findall(r"https?://\S+", confirmation) == [
        re.search(rf"{SITE}/compte/confirm-email/[^/\s]+/", confirmation).group(0),
        SITE,
    ]
    assert "evil.example" not in reset + confirmation


def test_a_reset_for_an_unknown_address_sends_nothing(client):
    client.post("/compte/password/reset/", {"email": "inconnu@example.org"})

    assert OutgoingEmail.objects.count() == 0
