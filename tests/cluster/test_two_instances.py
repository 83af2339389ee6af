"""`make test-cluster`: two app servers, two workers, one PostgreSQL, one Redis.

Several hundred people sign through either server; every signature is
confirmed; the count is exact, the per-address limit holds across servers,
and every confirmation email arrives exactly once.
"""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SMTPServer, free_port
from tests.system.harness import (
    REDIS_URL,
    Deployment,
    Visitor,
    confirmation_path,
    create_server_database,
    drop_server_database,
    flush_redis,
    signature_data,
    wait_for,
)

pytestmark = pytest.mark.cluster

SIGNERS = 300
LIMIT = 5  # SIGNATURE_RATE_LIMITS default: 5 per 10 minutes per client network


@pytest.fixture
def cluster(tmp_path):
    name, url = create_server_database("campaign_cluster")
    flush_redis()
    smtp = SMTPServer()
    smtp.start()
    deployment = Deployment(database_url=url, cache_url=REDIS_URL, smtp=smtp, logs=tmp_path)
    try:
        deployment.prepare()
        ports = [free_port(), free_port()]
        for port in ports:
            deployment.start_web(port)
        deployment.start_worker("one")
        deployment.start_worker("two")
        yield deployment, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        deployment.stop_all()
        smtp.stop()
        drop_server_database(name)


def test_signatures_spread_over_two_servers_are_counted_once_and_confirmed_once(cluster):
    deployment, servers = cluster
    # One visitor per signer, each from its own address, alternating servers.
    visitors = [Visitor(f"100.64.{n // 250}.{n % 250 + 1}") for n in range(SIGNERS)]
    forms = [visitor.form(servers[n % 2] + "/signer/") for n, visitor in enumerate(visitors)]
    crowd = Visitor("198.51.100.77")
    # A form for each person of the crowd (a stamp is good for one submission).
    crowd_forms = [crowd.form(servers[n % 2] + "/signer/") for n in range(LIMIT + 3)]
    time.sleep(3.2)  # people take more than the minimum fill time

    def sign(n):
        return visitors[n].request(servers[n % 2] + "/signer/", signature_data(forms[n], n))

    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(sign, range(SIGNERS)))
    # One address signing for many people, alternating servers: the limit is shared.
    crowd_replies = [
        crowd.request(servers[n % 2] + "/signer/", signature_data(crowd_forms[n], n, email=f"foule-{n}@example.org"))
        for n in range(LIMIT + 3)
    ]

    assert Counter(reply.status for reply in replies) == {302: SIGNERS}
    assert [reply.status for reply in crowd_replies] == [302] * LIMIT + [429] * 3
    expected = SIGNERS + LIMIT
    messages = deployment.smtp.wait_for(expected, timeout=120)
    time.sleep(2)  # anything sent twice would arrive now
    recipients = Counter(message["To"] for message in deployment.smtp.messages)
    assert len(messages) == expected
    assert set(recipients.values()) == {1}
    assert len(recipients) == expected

    def confirm(pair):
        n, message = pair
        return visitors[n % SIGNERS].request(servers[n % 2] + confirmation_path(message), forms[n % SIGNERS])

    with ThreadPoolExecutor(max_workers=16) as pool:
        confirmations = list(pool.map(confirm, enumerate(messages)))

    assert Counter(reply.status for reply in confirmations) == {302: expected}
    for server in servers:
        wait_for(
            lambda server=server: (
                Visitor("192.0.2.1").request(server + "/api/petition.json").body.count(f'"signatures": {expected},')
                == 1
            ),
            timeout=20,
            what="the count to reach every server",
        )
    assert deployment.manage("reconcile_counts", "--check").strip().splitlines() == [
        f"retrait-lsun: {expected} confirmed / 0 public, exact.",
        "paper: 0 accepted, exact.",
        "Nothing to fix.",
    ]
    assert len(deployment.smtp.messages) == expected
