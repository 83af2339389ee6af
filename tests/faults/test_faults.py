"""`make test-faults`: a worker killed mid-batch, SMTP away under load, PostgreSQL stopped.

Each test runs real processes on loopback and is bounded in time.
"""

import asyncio
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

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
    """Takes its time over each message, so a batch is long enough to be interrupted."""

    delay = 0.1

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def sign_many(server, count, *, first=0):
    visitors = [Visitor(f"100.65.{n // 250}.{n % 250 + 1}") for n in range(first, first + count)]
    forms = [visitor.form(server + "/signer/") for visitor in visitors]
    time.sleep(3.2)

    def sign(index):
        return visitors[index].request(server + "/signer/", signature_data(forms[index], first + index))

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(sign, range(count)))


@pytest.fixture
def server_database():
    name, url = create_server_database("campaign_faults")
    yield url
    drop_server_database(name)


def test_worker_killed_mid_batch_every_email_sent_none_twice(server_database, tmp_path):
    smtp = SlowSMTPServer()
    smtp.start()
    deployment = Deployment(database_url=server_database, smtp=smtp, logs=tmp_path)
    try:
        deployment.prepare()
        port = free_port()
        deployment.start_web(port)
        replies = sign_many(f"http://127.0.0.1:{port}", 60)
        assert Counter(reply.status for reply in replies) == {302: 60}

        first = deployment.start_worker("doomed")
        wait_for(lambda: len(smtp.messages) >= 10, timeout=60, what="the batch to start")
        first.send_signal(signal.SIGKILL)
        first.wait()
        sent_before_restart = len(smtp.messages)
        deployment.start_worker("replacement")
        smtp.wait_for(60, timeout=90)
        time.sleep(2)

        recipients = Counter(message["To"] for message in smtp.messages)
        assert 10 <= sent_before_restart < 60
        assert len(recipients) == 60
        assert set(recipients.values()) == {1}
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


def test_postgresql_stopped_503_in_french_then_recovers_without_restart(tmp_path):
    postgres = TemporaryPostgres(tmp_path / "pgdata")
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
