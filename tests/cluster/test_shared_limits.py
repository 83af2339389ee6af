"""One machine as docs/deploy.md sets it up, without Redis: gunicorn with several workers, limits still shared.

Each worker is its own process; the limits hold because they are counted in
PostgreSQL, which every worker reads. The requests go in at once, so several
workers answer them.
"""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.conftest import SMTPServer, free_port
from tests.system.harness import Deployment, Visitor, create_server_database, drop_server_database, signature_data

pytestmark = pytest.mark.cluster

WORKERS = 4


@pytest.fixture(scope="module")
def one_machine(tmp_path_factory):
    name, url = create_server_database("campaign_limits")
    smtp = SMTPServer()
    smtp.start()
    deployment = Deployment(database_url=url, smtp=smtp, logs=tmp_path_factory.mktemp("logs"))
    assert deployment.cache_url is None
    try:
        deployment.prepare()
        port = free_port()
        deployment.start_web(port, workers=WORKERS)
        yield f"http://127.0.0.1:{port}", url
    finally:
        deployment.stop_all()
        smtp.stop()
        drop_server_database(name)


def rows(url, sql, params=()):
    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(sql, params)]


def all_at_once(visitor, url, submissions):
    # People take more than the minimum fill time; then every request goes in at once.
    time.sleep(3.2)
    with ThreadPoolExecutor(max_workers=len(submissions)) as pool:
        return list(pool.map(lambda data: visitor.request(url, data), submissions))


def test_the_sixth_signature_from_one_network_in_ten_minutes_is_refused_whichever_worker_answers(one_machine):
    base, database = one_machine
    visitor = Visitor("198.51.100.77")
    submissions = [signature_data(visitor.form(base + "/signer/"), n) for n in range(12)]

    replies = all_at_once(visitor, base + "/signer/", submissions)

    assert Counter(reply.status for reply in replies) == {302: 5, 429: 7}
    accepted = sorted(data["email"] for data, reply in zip(submissions, replies, strict=True) if reply.status == 302)
    assert sorted(rows(database, "SELECT email FROM petitions_signature")) == accepted
    # One confirmation queued for each, about its signature (the worker finds the address there).
    confirmations = """
        SELECT s.email FROM campaign_outgoingemail o JOIN petitions_signature s ON s.id = o.object_id
        WHERE o.kind = 'petitions.signature_confirm'
    """
    assert sorted(rows(database, confirmations)) == accepted
    for reply in replies:
        if reply.status == 429:
            assert "Trop de signatures depuis votre connexion" in reply.body


def test_join_requests_over_their_limit_are_refused_whichever_worker_answers(one_machine):
    base, database = one_machine
    visitor = Visitor("198.51.100.78")
    submissions = [
        {
            **visitor.form(base + "/organisations/rejoindre/"),
            "name": f"Collectif de parents numéro {n}",
            "kind": "collectif",
            "scope": "31",
            "contact_name": "Zoé L'Hôte-Müller",
            "contact_email": f"collectif-{n}@example.org",
            "consent": "on",
            "website_url": "",
        }
        for n in range(14)
    ]

    replies = all_at_once(visitor, base + "/organisations/rejoindre/", submissions)

    assert Counter(reply.status for reply in replies) == {302: 5, 429: 9}
    accepted = sorted(data["name"] for data, reply in zip(submissions, replies, strict=True) if reply.status == 302)
    assert sorted(rows(database, "SELECT name FROM petitions_organisation WHERE status = 'pending'")) == accepted
    for reply in replies:
        if reply.status == 429:
            assert "<h1>Trop de demandes</h1>" in reply.body
