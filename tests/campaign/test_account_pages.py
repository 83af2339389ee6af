"""Every allauth page the site serves is French, inside the site's layout, with no inline script or style."""

import re

import pytest
from django.test import Client

from tests.campaign.factories import PASSWORD, enrol_totp, make_user, totp_code
from tests.conftest import use_own_cache

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = {
    "/compte/connexion/": "Connexion",
    "/compte/password/reset/": "Mot de passe oublié",
    "/compte/password/reset/done/": "Vérifiez votre boîte de réception",
    "/compte/password/reset/key/1-mauvais-jeton/": "Lien non valable",
    "/compte/signup/": "Comptes sur invitation",
    "/compte/inactive/": "Compte inactif",
    "/compte/confirm-email/": "Vérifiez votre adresse e-mail",
}
ACCOUNT_PAGES = {
    "/compte/2fa/": "Double authentification",
    "/compte/2fa/totp/deactivate/": "Désactiver l'application d'authentification",
    "/compte/2fa/recovery-codes/": "Codes de secours",
    "/compte/2fa/recovery-codes/generate/": "Codes de récupération",
    "/compte/2fa/webauthn/": "Clés de sécurité et clés d'accès",
    "/compte/2fa/webauthn/add/": "Ajouter une clé de sécurité ou une clé d'accès",
    "/compte/2fa/reauthenticate/": "Confirmer l'accès",
    "/compte/reauthenticate/": "Confirmer l'accès",
    "/compte/password/change/": "Changer de mot de passe",
    "/compte/email/": "Adresse e-mail du compte",
    "/compte/logout/": "Déconnexion",
    "/espace/": "Mon espace",
}


@pytest.fixture
def account(settings):
    use_own_cache(settings)
    user = enrol_totp(make_user("redaction@example.org"))
    client = Client()
    client.post("/compte/connexion/", {"login": user.email, "password": PASSWORD})
    client.post("/compte/2fa/authenticate/", {"code": totp_code()})
    # allauth asks for the password again before sensitive pages; give it once.
    client.post("/compte/reauthenticate/", {"password": PASSWORD})
    return client


def check_page(response, heading):
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert '<a class="skip-link" href="#contenu">Aller au contenu</a>' in html
    h1 = re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S).group(1)
    assert h1.replace("&#x27;", "'") == heading
    assert re.findall(r"<script(?! src=\"/static/[^\"]+\" defer></script>)[^>]*>", html) == []
    assert "<style" not in html and ' style="' not in html


@pytest.mark.parametrize(("path", "heading"), ANONYMOUS_PAGES.items())
def test_anonymous_account_pages(client, path, heading):
    check_page(client.get(path, follow=True), heading)


@pytest.mark.parametrize(("path", "heading"), ACCOUNT_PAGES.items())
def test_logged_in_account_pages(account, path, heading):
    check_page(account.get(path), heading)
