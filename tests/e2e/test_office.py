"""The back office on a phone (390 px): a join request approved from the admin's home, a post sent to
the signers who asked for news after a confirmation, and a signer unsubscribing. In Chromium, with axe-core
on the site's own pages."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from news.models import PostMailing
from organisations.models import Organisation
from petitions.models import Signature
from tests.campaign.factories import PASSWORD, enrol_totp, make_user, totp_code
from tests.conftest import message_text, use_own_cache
from tests.news.factories import make_post
from tests.organisations.factories import make_organisation
from tests.petitions.factories import make_signature

WIDTH = 390


@pytest.fixture
def site(transactional_db, settings, live_server):
    from campaign.initial_content import load_pages

    use_own_cache(settings)
    load_pages()
    settings.SITE_URL = live_server.url
    settings.MFA_TOTP_TOLERANCE = 1


def log_in(visit, path, email):
    visit_ = visit(f"/compte/connexion/?next={path}", width=WIDTH)
    page = visit_.page
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form button[type="submit"]').first.click()
    page.wait_for_url("**/compte/2fa/authenticate/**")
    page.fill('input[name="code"]', totp_code())
    page.locator('main form button[type="submit"]').first.click()
    page.wait_for_url(f"**{path}")
    return visit_


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_staff_approve_a_join_request_from_the_admins_home(site, visit, live_server, smtp_server, run_tasks):
    enrol_totp(make_user("equipe@example.org", superuser=True))
    make_organisation("ICEM")
    make_organisation(
        "Parents du Tarn",
        status=Organisation.Status.PENDING,
        contact_confirmed_at=timezone.now(),
        contact_email="contact@parents-tarn.example",
    )

    admin = log_in(visit, "/admin/", "equipe@example.org")
    page = admin.page

    pending = page.locator(".pending-work")
    assert pending.locator("li").all_inner_texts() == [
        "Demandes d'adhésion d'organisations : 1",
        "Lots de signatures sur papier en attente : 0",
    ]
    assert fits(page)
    pending.get_by_role("link", name="Demandes d'adhésion d'organisations").click()
    expect(page.locator("#result_list tbody th")).to_have_text(["Parents du Tarn"])
    page.locator("#result_list tbody").get_by_role("link", name="Approuver").click()
    page.get_by_role("button", name="Approuver").click()

    expect(page.get_by_text("« Parents du Tarn » est approuvée et figure sur le site.")).to_be_visible()
    assert Organisation.objects.get(name="Parents du Tarn").status == Organisation.Status.APPROVED
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "contact@parents-tarn.example"
    page.goto(f"{live_server.url}/admin/")
    assert page.locator(".pending-work li").all_inner_texts() == [
        "Demandes d'adhésion d'organisations : 0",
        "Lots de signatures sur papier en attente : 0",
    ]


def test_a_post_reaches_the_signers_who_asked_and_one_unsubscribes(site, visit, live_server, smtp_server, run_tasks):
    enrol_totp(make_user("equipe@example.org", staff=True))
    post = make_post("Le ministère recule", summary="Le décret est suspendu.")
    for number in range(2):
        make_signature(email=f"parent{number}@example.org", first_name=f"Camille{number}", wants_news=True)
    make_signature(email="discret@example.org")

    # Staff open the post, prepare the mailing and read what will be sent before confirming.
    editing = log_in(visit, f"/espace/actualites/{post.pk}/", "equipe@example.org")
    page = editing.page
    page.get_by_role("link", name="Préparer l'envoi aux signataires").click()
    assert page.locator(".send-count").inner_text() == (
        "2 signataires confirmés, qui ont demandé à recevoir les actualités, recevront cet e-mail."
    )
    assert page.locator(".email-preview-text").inner_text().startswith("Bonjour [prénom],\n\nLe ministère recule")
    assert PostMailing.objects.count() == 0
    assert editing.axe_violations() == []
    assert fits(page)
    page.get_by_role("button", name="Envoyer à 2 signataires").click()

    expect(page.get_by_text("L'envoi aux signataires a commencé ; il se poursuit en arrière-plan.")).to_be_visible()
    assert re.fullmatch(
        r"Envoyée le .+ \(heure de Paris\) à 2 signataires\. En cours.*", page.locator(".mailing-state").inner_text()
    )
    assert editing.axe_violations() == []
    run_tasks()
    messages = smtp_server.wait_for(2)
    assert sorted(message["To"] for message in messages) == ["parent0@example.org", "parent1@example.org"]
    page.reload()
    expect(page.locator(".mailing-progress dd")).to_have_text(["2", "0", "0"])
    # No second mailing: the link is gone, and the confirmation page sends back to the progress.
    assert page.get_by_role("link", name="Préparer l'envoi aux signataires").count() == 0
    page.goto(f"{live_server.url}/espace/actualites/{post.pk}/envoyer/")
    expect(page.get_by_text("Cette actualité a déjà été envoyée aux signataires")).to_be_visible()
    assert PostMailing.objects.count() == 1

    # A signer follows the link at the foot of the email, on a phone.
    message = next(m for m in messages if m["To"] == "parent0@example.org")
    link = re.search(rf"{re.escape(live_server.url)}(/actualites/desabonnement/\S+/)", message_text(message)).group(1)
    signer = visit(link, width=WIDTH)
    assert signer.axe_violations() == []
    signer.page.get_by_role("button", name="Ne plus recevoir les actualités").click()
    expect(signer.page.get_by_text("Vous ne recevrez plus les actualités de la campagne par e-mail.")).to_be_visible()
    assert signer.axe_violations() == []
    assert fits(signer.page)
    assert list(Signature.objects.filter(wants_news=True).values_list("email", flat=True)) == ["parent1@example.org"]


def test_staff_edit_the_english_appeal_from_its_english_text(site, visit, live_server):
    from campaign.models import Page

    enrol_totp(make_user("equipe@example.org", superuser=True))
    page_row = Page.objects.get(slug=Page.APPEAL)
    french = page_row.current_revision("fr")
    english = page_row.current_revision("en")

    admin = log_in(visit, f"/admin/campaign/page/{page_row.pk}/change/", "equipe@example.org")
    page = admin.page
    assert page.locator("#id_title").input_value() == french.title
    page.locator(".language-versions").get_by_role("link", name="English").click()
    page.wait_for_url("**?language=en")
    assert page.locator("#id_title").input_value() == english.title
    assert page.locator("#id_body").input_value() == english.body
    assert fits(page)
    page.locator("#id_body").fill(english.body + "\n\nRead and approved by the coalition.")
    page.locator('input[name="_save"]').click()

    assert page_row.current_revision("en").body.endswith("Read and approved by the coalition.")
    assert page_row.current_revision("fr") == french
    reader = visit("/en/appel/", width=WIDTH)
    expect(reader.page.get_by_text("Read and approved by the coalition.")).to_be_visible()
    assert reader.axe_violations() == []
