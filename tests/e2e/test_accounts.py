"""Accounts in a real browser: an invited editor's first steps, logging in with two factors, security keys."""

import pytest

from organisations import services
from organisations.models import Organisation
from tests.campaign.factories import enrol_totp, make_user, second_factors, totp_code

NEW_PASSWORD = "les enfants ne sont pas des fiches"


@pytest.fixture
def site(transactional_db):
    from campaign.initial_content import load_pages

    load_pages()


def watch_console(page):
    """Console errors, CSP refusals and failed requests included (Chromium reports them there)."""
    errors = []

    def record(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("console", record)
    return errors


def test_an_invited_editor_sets_a_password_enrols_and_edits_the_profile(site, visit, live_server):
    organisation = Organisation.objects.create(
        name="Collectif Parents Vigilants",
        slug="cpv",
        kind="collectif",
        contact_name="Zoé",
        contact_email="zoe@example.org",
    )
    services.approve(organisation)
    editor = organisation.memberships.get().user
    invitation = services.set_password_url(editor).removeprefix("http://127.0.0.1:8000")

    visit_ = visit(invitation, width=360)
    page = visit_.page
    errors = watch_console(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Choisir un mot de passe"
    assert visit_.axe_violations() == []
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()

    # Sent to enrolment, whatever it tries.
    page.wait_for_url(f"{live_server.url}/compte/2fa/")
    assert page.get_by_role("heading", level=1).inner_text() == "Double authentification"
    assert visit_.axe_violations() == []
    page.goto(f"{live_server.url}/espace/organisations/cpv/")
    assert page.url == f"{live_server.url}/compte/2fa/"

    page.get_by_role("link", name="Activer une application d'authentification").click()
    assert page.locator("svg.totp-qr").is_visible()
    assert visit_.axe_violations() == []
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code de l'authentificateur").fill(totp_code(secret))
    page.get_by_role("button", name="Activer").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Codes de secours"
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    assert visit_.axe_violations() == []
    page.get_by_role("link", name="Continuer").click()

    # Back to the page enrolment interrupted.
    assert page.url == f"{live_server.url}/espace/organisations/cpv/"
    assert visit_.axe_violations() == []
    page.get_by_role("link", name="Espace des organisations").click()
    assert visit_.axe_violations() == []
    page.get_by_role("link", name="Modifier le profil public de Collectif Parents Vigilants").click()
    page.get_by_label("Présentation").fill("Des parents contre le fichage des enfants.")
    page.get_by_role("button", name="Enregistrer").click()

    assert page.get_by_role("status").inner_text() == "Le profil public de l'organisation est enregistré."
    page.goto(f"{live_server.url}/organisations/cpv/")
    assert page.locator(".org-description").inner_text() == "Des parents contre le fichage des enfants."
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    assert second_factors(editor) == ["recovery_codes", "totp"]


def test_logging_in_with_an_authenticator_app(site, visit, live_server):
    enrol_totp(make_user("redaction@example.org"))

    visit_ = visit("/compte/connexion/", width=360)
    page = visit_.page
    errors = watch_console(page)
    page.reload()
    assert visit_.axe_violations() == []
    page.get_by_label("Courriel").fill("redaction@example.org")
    page.get_by_label("Mot de passe").fill("une phrase de passe assez longue")
    page.get_by_role("button", name="Se connecter", exact=True).click()

    assert page.get_by_role("heading", level=1).inner_text() == "Double authentification"
    assert visit_.axe_violations() == []
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Valider").click()

    assert page.url == f"{live_server.url}/espace/"
    assert errors == []
    assert visit_.origins() == {live_server.url}


@pytest.fixture
def virtual_authenticator():
    """Chromium's virtual security key (DevTools protocol): WebAuthn without hardware."""

    def attach(page):
        session = page.context.new_cdp_session(page)
        session.send("WebAuthn.enable")
        session.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        return session

    return attach


def test_a_security_key_works_under_the_strict_csp(site, visit, live_server, settings, virtual_authenticator):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server speaks plain HTTP
    user = make_user("cle@example.org")

    visit_ = visit("/compte/connexion/", width=1280)
    page = visit_.page
    virtual_authenticator(page)
    errors = watch_console(page)
    page.get_by_label("Courriel").fill("cle@example.org")
    page.get_by_label("Mot de passe").fill("une phrase de passe assez longue")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_role("link", name="Ajouter une clé").click()

    assert visit_.axe_violations() == []
    page.get_by_label("Nom de la clé").fill("Clé de test")
    page.get_by_label("Clé d'accès").check()
    page.get_by_role("button", name="Ajouter", exact=True).click()

    page.wait_for_url(f"{live_server.url}/compte/2fa/recovery-codes/")
    assert page.get_by_role("heading", level=1).inner_text() == "Codes de secours"
    assert second_factors(user) == ["recovery_codes", "webauthn"]
    assert errors == []

    # Then the passkey alone logs in, through allauth's script, under the same CSP.
    page.get_by_role("link", name="Continuer").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()

    page.wait_for_url(f"{live_server.url}/espace/")
    assert page.get_by_text("Connecté·e avec l'adresse cle@example.org.").is_visible()
    assert errors == []
