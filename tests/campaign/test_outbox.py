import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from campaign import outbox
from campaign.models import OutgoingEmail, User
from tests.campaign.factories import make_user
from tests.conftest import message_html, message_text

TEST_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(autouse=True)
def test_email_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]


@outbox.email_kind("tests.hello", template="tests/emails/hello")
def hello(obj, params):
    return outbox.Email(to=None, context={"name": params["name"]})


@outbox.email_kind("tests.hello_user", template="tests/emails/hello", model=User)
def hello_user(user, params):
    return outbox.Email(to=user.email, context={"name": user.full_name})


def queue(key="hello:1", to="zoe@example.org", name="Zoé"):
    return outbox.queue("tests.hello", key=key, to=to, params={"name": name})


def test_queued_email_is_sent_by_the_worker_through_smtp(smtp_server, run_tasks):
    queue()

    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "zoe@example.org"
    assert message["Subject"] == "Bonjour Zoé"
    assert message_text(message) == "Bonjour Zoé, voici un message de test.\n"
    assert message_html(message) == "<p>Bonjour Zoé, voici un message de test.</p>\n"
    assert message["Message-ID"] == outbox.message_id("hello:1")


def test_sent_message_keeps_no_personal_data(smtp_server, run_tasks):
    queue()

    run_tasks()

    sent = OutgoingEmail.objects.get()
    assert (sent.status, sent.recipient, sent.params) == ("sent", "", {})
    assert sent.sent_at is not None


def test_same_key_is_queued_once(smtp_server, run_tasks):
    queue()
    queue()

    run_tasks()
    run_tasks()

    assert len(smtp_server.wait_for(1, timeout=1)) == 1
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing(smtp_server, run_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the signature failed")

    run_tasks()

    assert OutgoingEmail.objects.count() == 0
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_smtp_down_then_up_delivers_once(smtp_server, run_tasks):
    smtp_server.stop()
    queue()

    run_tasks()

    message = OutgoingEmail.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("ConnectionRefusedError")
    assert message.next_attempt_at > timezone.now()

    smtp_server.start()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        run_tasks()
        run_tasks()

    assert len(smtp_server.wait_for(1, timeout=1)) == 1
    assert OutgoingEmail.objects.get().status == "sent"


def test_retries_back_off_then_fail_after_the_window(smtp_server, run_tasks, settings):
    settings.EMAIL_RETRY_WINDOW = 3600
    smtp_server.stop()
    queued = queue()
    delays = []

    now = queued.created_at
    while True:
        with time_machine.travel(now, tick=False):
            run_tasks()
        message = OutgoingEmail.objects.get()
        if message.status == "failed":
            break
        delays.append(int((message.next_attempt_at - now).total_seconds()))
        now = message.next_attempt_at + timedelta(seconds=1)

    assert delays[:6] == [30, 60, 120, 240, 480, 600]
    assert now - queued.created_at >= timedelta(hours=1)
    assert message.attempts == len(delays) + 1


def test_refused_recipient_does_not_block_the_next_message(smtp_server, run_tasks):
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_RCPT
    queue(key="a", to="refuse@example.org")
    queue(key="b", to="accept@example.org")

    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "accept@example.org"
    assert dict(OutgoingEmail.objects.values_list("key", "status")) == {"a": "pending", "b": "sent"}


def test_prune_forgets_old_records_but_not_pending_mail(db):
    old = timezone.now() - timedelta(days=31)
    OutgoingEmail.objects.create(key="old-sent", kind="tests.hello", status="sent", sent_at=old, created_at=old)
    OutgoingEmail.objects.create(key="old-pending", kind="tests.hello", recipient="a@example.org", created_at=old)
    OutgoingEmail.objects.create(key="recent", kind="tests.hello", status="sent", sent_at=timezone.now())

    assert outbox.prune() == 1
    assert set(OutgoingEmail.objects.values_list("key", flat=True)) == {"old-pending", "recent"}


def test_eml_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.MAILERS = {
        "default": {"BACKEND": "campaign.mail_backends.EmlFileBackend", "OPTIONS": {"directory": str(tmp_path)}}
    }

    mail.EmailMessage("Objet", "Corps", "from@example.org", ["a@example.org"]).send()
    mail.EmailMessage("Objet 2", "Corps", "from@example.org", ["b@example.org"]).send()

    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    assert {f.read_text().split("Subject: ")[1].split("\n")[0] for f in files} == {"Objet", "Objet 2"}


def test_queueing_again_is_one_insert_and_leaves_the_first_row_unchanged(db, django_assert_num_queries):
    first = queue(name="Zoé")

    with django_assert_num_queries(1):
        second = queue(name="Autre")

    assert second is None
    assert list(OutgoingEmail.objects.values_list("pk", "params")) == [(first.pk, {"name": "Zoé"})]


def test_the_worker_renders_the_object_as_it_is_when_sending(smtp_server, run_tasks):
    user = make_user("camille@example.org", full_name="Camille")
    outbox.queue("tests.hello_user", key="user:1", about=user)
    User.objects.filter(pk=user.pk).update(full_name="Camille Martin")

    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert (message["To"], message["Subject"]) == ("camille@example.org", "Bonjour Camille Martin")
    assert OutgoingEmail.objects.get().status == "sent"


def test_an_email_about_an_object_gone_before_sending_is_dropped(smtp_server, run_tasks):
    user = make_user("camille@example.org", full_name="Camille")
    outbox.queue("tests.hello_user", key="user:1", about=user)
    queue(key="after")
    user.delete()

    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "zoe@example.org"
    assert list(OutgoingEmail.objects.values_list("key", "status")) == [("after", "sent")]


def test_an_email_that_cannot_be_rendered_is_retried_not_lost(smtp_server, run_tasks):
    OutgoingEmail.objects.create(key="broken", kind="tests.hello", recipient="a@example.org", params={})

    run_tasks()

    message = OutgoingEmail.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "KeyError: 'name'")
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_an_unknown_kind_is_refused_at_queueing(db):
    with pytest.raises(LookupError):
        outbox.queue("tests.nothing", key="k", to="a@example.org")


def test_a_message_rendered_before_the_upgrade_is_sent_as_it_was(smtp_server, run_tasks):
    content = {"subject": "Objet", "text": "Texte\n", "html": "<p>HTML</p>\n", "headers": {"X-Test": "1"}}
    OutgoingEmail.objects.create(key="old", kind=outbox.PRERENDERED, recipient="a@example.org", params=content)

    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert (message["Subject"], message["X-Test"]) == ("Objet", "1")
    assert (message_text(message), message_html(message)) == ("Texte\n", "<p>HTML</p>\n")


# --- Waking the worker: NOTIFY at commit, LISTEN in the worker ------------------------------


def listening():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {outbox.CHANNEL}")
    return listener


@pytest.mark.django_db(transaction=True)
def test_a_transaction_queueing_emails_notifies_once_at_commit_and_a_rolled_back_one_not_at_all():
    with listening() as listener:
        with transaction.atomic():
            for number in range(3):
                queue(key=f"hello:{number}")
            assert list(listener.notifies(timeout=0.2)) == []
        assert len(list(listener.notifies(timeout=0.5))) == 1

        with pytest.raises(RuntimeError), transaction.atomic():
            queue(key="hello:rolled-back")
            raise RuntimeError
        assert list(listener.notifies(timeout=0.5)) == []


@pytest.mark.django_db(transaction=True)
def test_the_listening_worker_sends_at_commit_without_waiting_for_the_sweep(smtp_server):
    queue(key="waiting")  # queued before the worker starts: sent when it starts
    stop = threading.Event()
    worker = threading.Thread(target=outbox.listen_and_deliver, args=(stop,), kwargs={"sweep_seconds": 3600})
    worker.start()
    try:
        assert len(smtp_server.wait_for(1, timeout=10)) == 1
        started = time.monotonic()
        with transaction.atomic():
            queue(key="now", to="now@example.org")
        messages = smtp_server.wait_for(2, timeout=10)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        worker.join(timeout=10)

    assert [message["To"] for message in messages] == ["zoe@example.org", "now@example.org"]
    assert elapsed < 5  # woken by the notification, not by the hour-long sweep
    assert not worker.is_alive()
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_the_listening_worker_wakes_for_a_retry_when_it_is_due(smtp_server, settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    smtp_server.stop()
    queue()
    stop = threading.Event()
    worker = threading.Thread(target=outbox.listen_and_deliver, args=(stop,), kwargs={"sweep_seconds": 3600})
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while OutgoingEmail.objects.get().attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        smtp_server.start()
        messages = smtp_server.wait_for(1, timeout=10)
    finally:
        stop.set()
        worker.join(timeout=10)

    assert len(messages) == 1
    assert OutgoingEmail.objects.get().status == "sent"
