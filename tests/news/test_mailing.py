"""Telling signers: only those who asked, exactly once each, with a one-click way out."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from campaign.models import OutgoingEmail
from campaign.outbox import deliver_pending_emails
from news import mailing
from news.mailing import send_post_batch
from news.models import PostDelivery, PostMailing
from news.tasks import resume_mailings
from petitions import tokens
from petitions.models import Signature
from tests.campaign.factories import make_user
from tests.campaign.html_text import block_texts
from tests.conftest import message_html, message_text
from tests.news.factories import make_post
from tests.organisations.factories import make_editor, make_organisation
from tests.petitions.factories import make_signature


@pytest.fixture
def staff(db):
    user = make_user("equipe@example.org", staff=True, second_factor=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def signers(pages):
    """Three who asked for news, and three who must get nothing."""
    wanted = [
        make_signature(email=f"parent{number}@example.org", first_name=f"Camille{number}", wants_news=True)
        for number in range(3)
    ]
    make_signature(email="pas-de-nouvelles@example.org")
    make_signature(email="pas-confirme@example.org", confirmed=False, wants_news=True)
    make_signature(email="retire@example.org", confirmed=False)
    return wanted


@pytest.fixture
def post(pages, settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    return make_post(
        "Le ministère recule",
        summary="Le décret est suspendu.\nMerci à toutes et tous.",
        organisation=make_organisation("SUD éducation"),
    )


def recipients(messages):
    return sorted(message["To"] for message in messages)


def press_send(staff, post):
    return staff.post(f"/espace/actualites/{post.pk}/envoyer/", follow=True)


def test_only_confirmed_signers_who_asked_receive_the_post(staff, signers, post, smtp_server, run_tasks):
    press_send(staff, post)

    run_tasks()

    messages = smtp_server.wait_for(3)
    assert recipients(messages) == ["parent0@example.org", "parent1@example.org", "parent2@example.org"]
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3


def test_email_content_and_one_click_headers(staff, signers, post, smtp_server, run_tasks):
    press_send(staff, post)
    run_tasks()

    message = next(m for m in smtp_server.wait_for(3) if m["To"] == "parent0@example.org")

    token = mailing.unsubscribe_token(signers[0])
    unsubscribe_url = f"https://retrait-lsun.example/actualites/desabonnement/{token}/"
    withdraw_url = f"https://retrait-lsun.example/signer/retirer/{tokens.withdrawal_token(signers[0])}/"
    assert message["Subject"] == "Actualité : Le ministère recule"
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message_text(message) == (
        "Bonjour Camille0,\n"
        "\n"
        "Le ministère recule\n"
        "Publiée par SUD éducation\n"
        "\n"
        "Le décret est suspendu.\nMerci à toutes et tous.\n"
        "\n"
        "Lire la suite : https://retrait-lsun.example/actualites/le-ministere-recule/\n"
        "\n"
        "-- \n"
        "Vous recevez ce message parce que vous avez signé l'appel pour le retrait du LSUN "
        "et demandé à recevoir ses actualités.\n"
        f"Ne plus recevoir les actualités : {unsubscribe_url}\n"
        f"Voir ce que nous gardons à votre sujet et retirer votre signature, à tout moment : {withdraw_url}\n"
    )
    html = message_html(message)
    assert '<a href="https://retrait-lsun.example/actualites/le-ministere-recule/"' in html
    assert f'<a href="{unsubscribe_url}"' in html
    assert f'<a href="{withdraw_url}"' in html
    # Like every email about a signature, it leads to the page that withdraws it.
    assert tokens.read_withdrawal_token(withdraw_url.split("/")[-2]) == signers[0].token
    assert "Le décret est suspendu.<br>Merci à toutes et tous." in html


def test_pressing_twice_sends_once(staff, signers, post, smtp_server, run_tasks):
    first = press_send(staff, post)
    second = press_send(staff, post)
    run_tasks()

    assert recipients(smtp_server.wait_for(3)) == ["parent0@example.org", "parent1@example.org", "parent2@example.org"]
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3
    assert PostMailing.objects.count() == 1
    assert block_texts(first.content.decode(), "messages") == [
        "L'envoi aux signataires a commencé ; il se poursuit en arrière-plan."
    ]
    assert block_texts(second.content.decode(), "messages") == [
        "Cette actualité a déjà été envoyée aux signataires : rien de plus n'est envoyé."
    ]


def test_running_the_batch_twice_sends_once(staff, signers, post, smtp_server, run_tasks, settings):
    settings.NEWS_MAILING_BATCH_SIZE = 2
    press_send(staff, post)
    run_tasks()

    send_post_batch.enqueue(post.pk)
    mailing.send_batch(post.pk)
    PostMailing.objects.update(finished_at=None)  # as if the last batch had not recorded the end
    mailing.send_batch(post.pk)
    run_tasks()

    assert recipients(smtp_server.wait_for(3)) == ["parent0@example.org", "parent1@example.org", "parent2@example.org"]
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3
    assert PostDelivery.objects.count() == 3


KILL_WORKER_AFTER = """
CREATE FUNCTION test_kill_worker() RETURNS trigger AS $$
BEGIN
    IF (SELECT count(*) FROM campaign_postdelivery WHERE post_id = NEW.post_id) >= {limit} THEN
        RAISE EXCEPTION 'worker killed in the middle of a batch';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_kill_worker BEFORE INSERT ON campaign_postdelivery
    FOR EACH ROW EXECUTE FUNCTION test_kill_worker();
"""


def test_worker_killed_mid_batch_then_resumed_sends_exactly_once(staff, pages, post, smtp_server, run_tasks, settings):
    settings.NEWS_MAILING_BATCH_SIZE = 2
    signers = [make_signature(email=f"signataire{number}@example.org", wants_news=True) for number in range(5)]
    with connection.cursor() as cursor:
        # The first batch (2 signers) goes through; the second dies after one insert.
        cursor.execute(KILL_WORKER_AFTER.format(limit=3))
    press_send(staff, post)

    run_tasks()

    assert len(smtp_server.wait_for(2)) == 2
    assert PostDelivery.objects.count() == 2  # the dead batch left nothing behind
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_kill_worker ON campaign_postdelivery; DROP FUNCTION test_kill_worker();")

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        resume_mailings.enqueue()  # what the periodic task does
        run_tasks()

    assert recipients(smtp_server.wait_for(5)) == sorted(signature.email for signature in signers)
    assert len(smtp_server.wait_for(6, timeout=0.5)) == 5
    assert PostMailing.objects.get().finished_at is not None


def test_resume_leaves_active_and_finished_mailings_alone(staff, signers, post, run_tasks):
    press_send(staff, post)

    assert mailing.resume_mailings() == []  # just requested: its worker is on it
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert mailing.resume_mailings() == [post.pk]
        run_tasks()
        assert mailing.resume_mailings() == []  # finished


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(pages, settings, smtp_server, run_tasks):
    settings.NEWS_MAILING_BATCH_SIZE = 50
    post = make_post("Deux travailleurs")
    signers = [make_signature(email=f"parent{number}@example.org", wants_news=True) for number in range(20)]
    mailing.start_mailing(post, None)
    start = threading.Barrier(2)
    queued = []

    def worker():
        try:
            start.wait()
            queued.append(mailing.send_batch(post.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_tasks()

    assert sorted(queued) == [0, 20]
    assert recipients(smtp_server.wait_for(20)) == sorted(signature.email for signature in signers)
    assert len(smtp_server.wait_for(21, timeout=0.5)) == 20


def test_a_draft_cannot_be_sent(staff, signers, pages):
    draft = make_post("Pas prête", status="draft")

    response = press_send(staff, draft)

    assert PostMailing.objects.count() == 0
    assert block_texts(response.content.decode(), "messages") == [
        "Seule une actualité publiée peut être envoyée aux signataires."
    ]


def test_editors_cannot_send_to_signers(signers, post):
    editor = Client()
    editor.force_login(make_editor(post.organisation, second_factor=True))

    response = editor.post(f"/espace/actualites/{post.pk}/envoyer/")

    assert response.status_code == 403
    assert PostMailing.objects.count() == 0


def progress(staff, post):
    html = staff.get(f"/espace/actualites/{post.pk}/").content.decode()
    return block_texts(html, "mailing-progress")


def test_staff_follow_the_progress(staff, signers, post, smtp_server, run_tasks, settings):
    before = staff.get(f"/espace/actualites/{post.pk}/").content.decode()
    press_send(staff, post)
    requested = progress(staff, post)
    run_tasks()
    smtp_server.wait_for(3)

    assert "3 signataires confirmés ont demandé à recevoir les actualités." in before
    assert requested == ["Envoyés", "0", "À envoyer", "3", "Échecs", "0"]
    assert progress(staff, post) == ["Envoyés", "3", "À envoyer", "0", "Échecs", "0"]


def test_failures_show_in_the_progress(staff, signers, post, smtp_server, run_tasks, settings):
    settings.EMAIL_RETRY_WINDOW = 60
    smtp_server.stop()
    press_send(staff, post)
    run_tasks()

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        for _ in range(3):  # the outbox stops at the first unreachable server; the periodic sweep goes on
            deliver_pending_emails.enqueue()
            run_tasks()
        staff.force_login(staff.user)
        shown = progress(staff, post)

    assert OutgoingEmail.objects.filter(status="failed").count() == 3
    assert shown == ["Envoyés", "0", "À envoyer", "0", "Échecs", "3"]


# ---------------------------------------------------------------------------
# Unsubscribing
# ---------------------------------------------------------------------------


def unsubscribe_path(message):
    return re.fullmatch(r"<https://retrait-lsun\.example(/.+)>", message["List-Unsubscribe"])[1]


def test_one_click_unsubscribe_works_without_cookies(staff, signers, post, smtp_server, run_tasks):
    press_send(staff, post)
    run_tasks()
    message = next(m for m in smtp_server.wait_for(3) if m["To"] == "parent1@example.org")
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: as a mail client posts

    response = mail_client.post(unsubscribe_path(message), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "Vous ne recevrez plus les actualités de la campagne par e-mail." in response.content.decode()
    assert dict(response.cookies) == {}
    assert list(
        Signature.objects.confirmed().filter(wants_news=True).order_by("email").values_list("email", flat=True)
    ) == [
        "parent0@example.org",
        "parent2@example.org",
    ]


def test_unsubscribed_signer_gets_no_more_news(staff, signers, post, smtp_server, run_tasks):
    Client().post(f"/actualites/desabonnement/{mailing.unsubscribe_token(signers[0])}/")
    later = make_post("Deuxième nouvelle")

    press_send(staff, later)
    run_tasks()

    assert recipients(smtp_server.wait_for(2)) == ["parent1@example.org", "parent2@example.org"]
    assert len(smtp_server.wait_for(3, timeout=0.5)) == 2


def test_unsubscribe_page_shows_a_button_and_changes_nothing(signers):
    path = f"/actualites/desabonnement/{mailing.unsubscribe_token(signers[0])}/"

    response = Client().get(path)

    html = response.content.decode()
    assert '<form method="post" class="unsubscribe-form">' in html
    assert '<button type="submit">Ne plus recevoir les actualités</button>' in html
    assert dict(response.cookies) == {}
    signers[0].refresh_from_db()
    assert signers[0].wants_news is True


def test_unsubscribing_twice_is_harmless(signers):
    path = f"/actualites/desabonnement/{mailing.unsubscribe_token(signers[0])}/"

    first = Client().post(path)
    second = Client().post(path)

    assert (first.status_code, second.status_code) == (200, 200)
    signers[0].refresh_from_db()
    assert signers[0].wants_news is False


@pytest.mark.parametrize("token", ["abc", "1:forged", "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "%00"])
def test_tampered_unsubscribe_link_explains_what_to_do(db, token):
    response = Client().post(f"/actualites/desabonnement/{token}/")

    assert response.status_code == 404
    assert "<h1>Ce lien de désabonnement n'est pas valide</h1>" in response.content.decode()


def test_withdrawn_signature_leaves_no_delivery_behind(staff, signers, post, run_tasks):
    press_send(staff, post)
    run_tasks()

    signers[0].delete()

    assert PostDelivery.objects.count() == 2


def test_no_send_button_when_nobody_asked_for_news(staff, pages, post):
    make_signature(email="discret@example.org")

    html = staff.get(f"/espace/actualites/{post.pk}/").content.decode()

    assert "Aucun signataire confirmé n'a encore demandé à recevoir les actualités" in html
    assert "/envoyer/" not in html


def test_admin_shows_the_progress_of_a_mailing(staff, signers, post, smtp_server, run_tasks):
    press_send(staff, post)
    run_tasks()
    smtp_server.wait_for(3)
    staff.user.is_superuser = True
    staff.user.save()

    html = staff.get(f"/admin/news/post/{post.pk}/change/").content.decode()

    assert re.search(r"demandé le .+ \(heure de Paris\) pour 3 signataires : 3 envoyés, 0 à envoyer, 0 échecs", html)
    assert f'<a href="/espace/actualites/{post.pk}/">Ouvrir la page d&#x27;édition</a>' in html


# ---------------------------------------------------------------------------
# Confirming, and what editors see
# ---------------------------------------------------------------------------


def test_sending_asks_for_confirmation_with_the_count_and_the_email(staff, signers, post):
    edit_page = staff.get(f"/espace/actualites/{post.pk}/").content.decode()

    response = staff.get(f"/espace/actualites/{post.pk}/envoyer/")

    html = response.content.decode()
    assert f'<a class="button" href="/espace/actualites/{post.pk}/envoyer/">Préparer l\'envoi aux signataires</a>' in (
        edit_page
    )
    assert PostMailing.objects.count() == 0
    assert block_texts(html, "send-count") == [
        "3 signataires confirmés, qui ont demandé à recevoir les actualités, recevront cet e-mail."
    ]
    assert block_texts(html, "email-preview") == [
        "Début de l'e-mail",
        "Objet : Actualité : Le ministère recule",
        "Bonjour [prénom],\n\nLe ministère recule\nPubliée par SUD éducation\n\n"
        "Le décret est suspendu.\nMerci à toutes et tous.\n\n"
        "Lire la suite : https://retrait-lsun.example/actualites/le-ministere-recule/",
    ]
    assert '<button type="submit">Envoyer à 3 signataires</button>' in html
    # No signer's name or address is shown to staff.
    assert "parent0@example.org" not in html
    assert "Camille0" not in html


def test_the_confirmation_page_of_a_sent_post_sends_back_to_its_progress(staff, signers, post):
    press_send(staff, post)

    response = staff.get(f"/espace/actualites/{post.pk}/envoyer/", follow=True)

    assert response.redirect_chain == [(f"/espace/actualites/{post.pk}/", 302)]
    assert block_texts(response.content.decode(), "messages") == [
        "Cette actualité a déjà été envoyée aux signataires : rien de plus n'est envoyé."
    ]
    assert PostMailing.objects.count() == 1


def test_a_draft_has_no_confirmation_page(staff, signers, pages):
    draft = make_post("Pas prête", status="draft")

    response = staff.get(f"/espace/actualites/{draft.pk}/envoyer/", follow=True)

    assert block_texts(response.content.decode(), "messages") == [
        "Seule une actualité publiée peut être envoyée aux signataires."
    ]
    assert PostMailing.objects.count() == 0


def test_editors_cannot_open_the_confirmation_page(signers, post):
    editor = Client()
    editor.force_login(make_editor(post.organisation, second_factor=True))

    response = editor.get(f"/espace/actualites/{post.pk}/envoyer/")

    assert response.status_code == 403
    assert "signataires confirmés" not in response.content.decode()


def test_a_post_has_one_mailing_whatever_the_path(staff, post):
    """The rule lives in PostgreSQL: even code that skips start_mailing cannot start a second mailing."""
    mailing.start_mailing(post, staff.user)

    with pytest.raises(IntegrityError), transaction.atomic():
        PostMailing.objects.create(post=post, requested_by=staff.user)

    assert PostMailing.objects.filter(post=post).count() == 1


def test_the_posts_editors_see_when_and_to_how_many_it_was_sent(staff, signers, post, smtp_server, run_tasks):
    editor = Client()
    editor.force_login(make_editor(post.organisation, second_factor=True))
    before = editor.get(f"/espace/actualites/{post.pk}/").content.decode()
    press_send(staff, post)
    PostMailing.objects.update(requested_at=datetime(2026, 3, 9, 16, 45, tzinfo=UTC))
    run_tasks()
    smtp_server.wait_for(3)

    after = editor.get(f"/espace/actualites/{post.pk}/").content.decode()

    assert block_texts(before, "manage-section")[-1] == (
        "Cette actualité n'a pas été envoyée par e-mail aux signataires. L'équipe de la campagne décide des envois ; "
        "vous verrez ici quand et à combien de personnes elle est partie."
    )
    assert "/envoyer/" not in before + after
    assert block_texts(after, "mailing-state") == [
        "Envoyée le 9 mars 2026 à 17:45 (heure de Paris) à 3 signataires. Terminé."
    ]
    assert block_texts(after, "mailing-progress") == ["Envoyés", "3", "À envoyer", "0", "Échecs", "0"]
