"""Account emails and pages speak as the campaign; confirming one's address goes on where one was going."""

import re
from pathlib import Path

import allauth
import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from campaign.accounts import AccountAdapter, SiteOnUrl
from campaign.models import User
from tests.campaign.factories import PASSWORD, enrol_totp, make_user, page_secret, totp_code
from tests.campaign.html_text import block_texts
from tests.conftest import message_text, use_own_cache

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"  # SITE_URL's default, which the suite runs with
SIGNATURE = f"-- \nAppel pour le retrait du LSUN\n{SITE}\n"


@pytest.fixture(autouse=True)
def own_cache(settings):
    use_own_cache(settings)


def main_texts(response):
    html = response.content.decode()
    return block_texts(html[html.index("<main") : html.index("</main>")], "wrap")


def log_in(client, email, path="/compte/connexion/"):
    return client.post(path, {"login": email, "password": PASSWORD})


# --- The emails, whole ------------------------------------------------------------------


def test_the_password_reset_email(smtp_server, run_tasks):
    make_user("redaction@example.org")

    Client().post("/compte/password/reset/", {"email": "redaction@example.org"})
    run_tasks()

    [message] = smtp_server.wait_for(1)
    text = message_text(message)
    link = re.search(rf"{SITE}/compte/password/reset/key/[0-9a-z]+-[0-9A-Za-z-]+/", text).group(0)
    assert message["Subject"] == "Choisir un nouveau mot de passe sur le site de l'appel pour le retrait du LSUN"
    assert message["From"] == "Appel pour le retrait du LSUN <ne-pas-repondre@localhost>"
    assert text == (
        "Bonjour,\n"
        "\n"
        "Un nouveau mot de passe a été demandé pour votre compte sur le site de l'appel pour le retrait du LSUN. "
        "Pour le choisir, ouvrez ce lien :\n"
        "\n"
        f"{link}\n"
        "\n"
        "Ce lien vaut 3 jours et ne sert qu'une fois. La double authentification reste demandée ensuite, comme à "
        "chaque connexion.\n"
        "\n"
        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
        "\n" + SIGNATURE
    )


def test_the_address_confirmation_email(smtp_server, run_tasks):
    User.objects.create_superuser("staff@example.org", PASSWORD)

    log_in(Client(), "staff@example.org")
    run_tasks()

    [message] = smtp_server.wait_for(1)
    text = message_text(message)
    link = re.search(rf"{SITE}/compte/confirm-email/[^/\s]+/", text).group(0)
    assert message["To"] == "staff@example.org"
    assert message["Subject"] == (
        "Confirmez votre adresse pour vous connecter au site de l'appel pour le retrait du LSUN"
    )
    assert text == (
        "Bonjour,\n"
        "\n"
        "Pour terminer votre connexion au site de l'appel pour le retrait du LSUN, confirmez que cette adresse est "
        "bien la vôtre en ouvrant ce lien :\n"
        "\n"
        f"{link}\n"
        "\n"
        "Ouvrez-le dans le navigateur où vous vous êtes connecté·e : vous continuerez directement là où vous "
        "alliez.\n"
        "\n"
        "Si vous n'avez pas essayé de vous connecter, ignorez ce message et changez votre mot de passe (« Mot de "
        "passe oublié » sur la page de connexion) : quelqu'un d'autre le connaît peut-être.\n"
        "\n" + SIGNATURE
    )


def test_the_emails_in_english(settings, smtp_server, run_tasks):
    make_user("redaction@example.org")

    Client().post("/en/compte/password/reset/", {"email": "redaction@example.org"})
    run_tasks()

    [message] = smtp_server.wait_for(1)
    text = message_text(message)
    assert message["Subject"] == "Choose a new password on the website of the appeal for the withdrawal of the LSUN"
    assert text.startswith("Hello,\n\nA new password was asked for your account")
    assert text.endswith(f"-- \nAppeal for the withdrawal of the LSUN\n{SITE}\n")


ALLAUTH_EMAILS = sorted(
    path.name.removesuffix("_message.txt")
    for path in (Path(allauth.__file__).parent / "templates" / "account" / "email").glob("*_message.txt")
    if not path.name.startswith("base_")
)


@pytest.mark.parametrize("name", ALLAUTH_EMAILS)
def test_every_account_email_greets_and_signs_as_the_campaign(name):
    """Those the site does not send today too (notifications, codes): none may name the site by its host."""
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8005")
    request.user = make_user("staff@example.org")
    adapter = AccountAdapter(request)
    context = {
        "request": request,
        "user": request.user,
        "email": "staff@example.org",
        "current_site": SiteOnUrl(),
        "site_url": SITE,
        "link_days": 3,
        "activate_url": f"{SITE}/lien/",
        "password_reset_url": f"{SITE}/lien/",
        "code": "123456",
    }

    with translation.override("fr"):
        message = adapter.render_mail(f"account/email/{name}", "staff@example.org", context)

    assert message.body.startswith("Bonjour,\n\n")
    assert message.body.endswith(SIGNATURE.rstrip("\n"))
    assert "127.0.0.1:8005" not in message.subject + message.body
    assert "l'utilisateur" not in message.body


# --- The pages around them --------------------------------------------------------------


def test_the_page_after_the_first_login_speaks_of_confirming_not_of_signing_up(client):
    User.objects.create_superuser("staff@example.org", PASSWORD)

    response = client.get(log_in(client, "staff@example.org")["Location"])

    assert main_texts(response) == [
        "Vérifiez votre adresse e-mail",
        "Avant d'aller plus loin, confirmez que l'adresse de votre compte est bien la vôtre : un e-mail vient d'y "
        "partir avec un lien.",
        "Ouvrez ce lien dans ce navigateur : vous continuerez directement là où vous alliez, et vous activerez la "
        "double authentification si ce n'est pas encore fait.",
        "Rien reçu d'ici quelques minutes ? Regardez dans les indésirables, puis connectez-vous à nouveau : un "
        "nouveau lien partira.",
    ]
    assert '<a href="/compte/connexion/">connectez-vous à nouveau</a>' in response.content.decode()


def confirmation_path(smtp_server, run_tasks):
    run_tasks()
    [message] = smtp_server.wait_for(1)
    return re.search(rf"{SITE}(/compte/confirm-email/\S+)", message_text(message)).group(1)


def test_the_confirmation_page_has_a_button(client, smtp_server, run_tasks):
    User.objects.create_superuser("staff@example.org", PASSWORD)
    log_in(client, "staff@example.org")
    path = confirmation_path(smtp_server, run_tasks)

    response = Client().get(path)  # opened anywhere: mail scanners follow links, so nothing happens on GET

    assert main_texts(response) == [
        "Confirmer votre adresse e-mail",
        "Confirmez que staff@example.org est bien l'adresse de votre compte sur ce site.",
    ]
    assert '<button type="submit">Confirmer mon adresse</button>' in response.content.decode()


def test_a_used_or_unknown_confirmation_link_says_what_to_do(client):
    response = client.get("/compte/confirm-email/inconnu/")

    assert main_texts(response) == [
        "Confirmer votre adresse e-mail",
        "Ce lien n'est plus valable : il a déjà servi, ou il a expiré. Connectez-vous : si votre adresse n'est pas "
        "encore confirmée, un nouveau lien vous sera envoyé.",
    ]


def test_after_confirming_staff_go_on_where_they_were_going(client, smtp_server, run_tasks):
    User.objects.create_superuser("staff@example.org", PASSWORD)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0] == "/compte/connexion/?next=%2Fadmin%2F"
    client.post(
        "/compte/connexion/?next=%2Fadmin%2F", {"login": "staff@example.org", "password": PASSWORD, "next": "/admin/"}
    )
    path = confirmation_path(smtp_server, run_tasks)

    confirmed = client.post(path)

    assert confirmed["Location"] == "/admin/"  # not the login page again
    assert client.get("/admin/")["Location"] == "/compte/2fa/"  # enrolment first
    secret = page_secret(client.get("/compte/2fa/totp/activate/").content.decode())
    client.post("/compte/2fa/totp/activate/", {"code": totp_code(secret)})
    assert client.get("/compte/continuer/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_confirming_in_another_browser_asks_to_log_in_there(client, smtp_server, run_tasks):
    enrol_totp(make_user("staff@example.org", superuser=True, verified=False))
    log_in(client, "staff@example.org")
    path = confirmation_path(smtp_server, run_tasks)
    phone = Client()

    confirmed = phone.post(path)

    assert confirmed["Location"] == "/compte/connexion/"
    assert "_auth_user_id" not in phone.session
    assert log_in(phone, "staff@example.org")["Location"] == "/compte/2fa/authenticate/"  # no second confirmation


def test_confirming_never_skips_the_second_factor(client, smtp_server, run_tasks):
    enrol_totp(make_user("staff@example.org", superuser=True, verified=False))
    log_in(client, "staff@example.org")
    path = confirmation_path(smtp_server, run_tasks)

    confirmed = client.post(path)

    assert confirmed["Location"] == "/compte/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
