"""The first staff account, from `make staff`'s answer to the admin's home: in Chromium, on a phone and a desktop."""

import io
import re

import pytest
from django.core.management import call_command

from campaign.models import User
from tests.campaign.factories import PASSWORD, second_factors, totp_code
from tests.conftest import message_text, use_own_cache


@pytest.fixture
def site(transactional_db, settings, live_server):
    from campaign.initial_content import load_pages

    use_own_cache(settings)
    load_pages()
    # The links the command prints and the emails carry lead to this server, as `make run` makes them.
    settings.SITE_URL = live_server.url


def watch(page):
    """Console errors (CSP refusals included) and answers of 400 or more, the favicon's included."""
    problems = []

    def on_console(message):
        if message.type == "error":
            problems.append(message.text)

    def on_response(response):
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    return problems


def create_staff_account():
    """What `make staff` does after its questions, answered as a newcomer would."""
    output = io.StringIO()
    call_command("createsuperuser", stdin=io.StringIO(f"chef@example.org\n{PASSWORD}\n{PASSWORD}\n"), stdout=output)
    return output.getvalue()


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_the_first_staff_account_from_the_command_to_the_admin(
    site, visit, live_server, smtp_server, run_tasks, width, tmp_path
):
    output = create_staff_account()
    admin_url = re.search(r"1\. Ouvrez (\S+) et connectez-vous", output).group(1)
    assert admin_url == f"{live_server.url}/admin/"

    # 1. The address the command gave, then the login page.
    visit_ = visit(admin_url.removeprefix(live_server.url), width=width)
    page = visit_.page
    problems = watch(page)
    page.reload()  # watched from the first request on

    def check(name, axe=True):
        page.screenshot(path=tmp_path / f"{width}-{name}.png", full_page=True)
        if axe:
            assert visit_.axe_violations() == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name

    assert page.get_by_role("heading", level=1).inner_text() == "Connexion"
    check("login")
    page.get_by_label("Courriel").fill("chef@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    # 2. Asked to confirm the address, in words that speak of no sign-up.
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre adresse e-mail"
    main = page.get_by_role("main").inner_text()
    assert "inscription" not in main and "contactez" not in main.lower()
    check("verification-sent")
    run_tasks()
    [message] = smtp_server.wait_for(1)
    link = re.search(rf"{re.escape(live_server.url)}/compte/confirm-email/\S+/", message_text(message)).group(0)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Confirmer votre adresse e-mail"
    check("confirm-email")
    page.get_by_role("button", name="Confirmer mon adresse").click()

    # 3. Not the login page again: straight on to enrolment, the admin being where it was going.
    page.wait_for_url(f"{live_server.url}/compte/2fa/")
    assert page.get_by_role("heading", level=1).inner_text() == "Double authentification"
    check("enrolment")
    page.get_by_role("link", name="Activer une application d'authentification").click()

    # 4. The key, its link for the phone, the QR code: still the same after a reload.
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert page.locator("#totp-secret span").all_inner_texts() == [secret[i : i + 4] for i in range(0, 32, 4)]
    assert page.get_by_role("link", name="Ouvrir dans l'application d'authentification").get_attribute("href") == (
        f"otpauth://totp/chef%40example.org?secret={secret}&issuer=Retrait%20du%20LSUN"
    )
    code_field = page.get_by_label("Code de l'authentificateur")
    assert [code_field.get_attribute(name) for name in ("inputmode", "autocomplete", "pattern")] == [
        "numeric",
        "one-time-code",
        "[0-9]*",
    ]
    check("activate")
    page.reload()
    assert page.locator("#totp-secret").inner_text() == secret
    page.go_back()
    page.go_forward()
    assert page.locator("#totp-secret").inner_text() == secret
    page.get_by_label("Code de l'authentificateur").fill("000000")
    page.get_by_role("button", name="Activer").click()
    assert page.locator("#id_code_error").inner_text().startswith("Code incorrect : il ne vient pas de la clé")
    check("activate-refused")
    assert page.locator("#totp-secret").inner_text() == secret
    page.get_by_label("Code de l'authentificateur").fill(totp_code(secret))
    page.get_by_role("button", name="Activer").click()

    # 5. Recovery codes, then the admin's home.
    assert page.get_by_role("heading", level=1).inner_text() == "Codes de secours"
    check("recovery-codes")
    page.get_by_role("link", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#site-name").is_visible()
    check("admin", axe=False)  # Django's own pages, not the site's

    assert second_factors(User.objects.get(email="chef@example.org")) == ["recovery_codes", "totp"]
    assert problems == []
