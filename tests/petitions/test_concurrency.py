"""Many signers at once, each request on its own database connection, as under a crowd."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from campaign import outbox
from campaign.models import OutgoingEmail
from petitions import counter, tokens
from petitions.initial_content import load_petition
from petitions.models import Petition, Signature, SignatureCounter
from tests.petitions.factories import form_data, make_signature

THREADS = 20
CONFIRM_PATH = re.compile(r"http://127\.0\.0\.1:8000(/signer/confirmer/[^/\s]+/)")


@pytest.fixture
def crowd(transactional_db, settings):
    """The featured petition, a client address per signer, and room in the pool for every thread."""
    from campaign.initial_content import load_pages

    load_pages()
    load_petition()
    settings.TRUSTED_PROXY_COUNT = 1
    pool = connection.pool
    sizes = (pool.min_size, pool.max_size)
    pool.resize(sizes[0], THREADS + 4)
    yield Petition.objects.get()
    pool.resize(*sizes)


def in_parallel(function, arguments):
    """Run ``function`` on each argument from THREADS threads started together; return the results in order."""
    barrier = threading.Barrier(THREADS)
    started = threading.local()

    def run(argument):
        if not getattr(started, "done", False):
            started.done = True
            barrier.wait(timeout=30)
        try:
            return function(argument)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, arguments))


def reconcile():
    out = StringIO()
    call_command("reconcile_counts", "--check", stdout=out)
    return out.getvalue()


def sign_and_confirm(number):
    client = Client()
    address = f"10.{number // 250}.{number % 250}.7"
    email = f"parent{number}@example.org"
    signed = client.post("/signer/", form_data(email=email, show_name="on"), HTTP_X_FORWARDED_FOR=address)
    signature = Signature.objects.get(email=email)
    # The confirmation as the worker renders it.
    body = outbox.render(OutgoingEmail.objects.get(key=signature.email_key("confirm"))).text
    confirmed = client.post(CONFIRM_PATH.search(body)[1], HTTP_X_FORWARDED_FOR=address)
    return signed.status_code, confirmed.status_code


def test_two_hundred_signers_in_parallel_count_exactly_two_hundred(crowd):
    results = in_parallel(sign_and_confirm, range(200))

    assert results == [(302, 302)] * 200
    assert Signature.objects.confirmed().count() == 200
    assert counter.stored_counts(crowd.pk) == (200, 200)
    assert counter.featured(fresh=True).signatures == 200
    assert (
        reconcile() == "retrait-lsun: 200 confirmed / 200 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"
    )
    assert SignatureCounter.objects.count() <= 16


def test_the_same_email_twenty_times_in_parallel_gives_one_row(crowd):
    def submit(number):
        return Client().post("/signer/", form_data(email="zoe@example.org"), HTTP_X_FORWARDED_FOR=f"10.1.1.{number}")

    responses = in_parallel(submit, range(THREADS))

    assert [response.status_code for response in responses] == [302] * THREADS
    assert len({response.content for response in responses}) == 1
    signature = Signature.objects.get()
    # The confirmation, then one re-sent (the next ones fall within 15 minutes).
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == [
        f"signature:{signature.pk}:confirm:0",
        f"signature:{signature.pk}:confirm:1",
    ]
    assert signature.reminders_sent == 1


def test_confirmations_and_withdrawals_racing_keep_the_count_exact(crowd):
    signatures = [make_signature(crowd, confirmed=False) for _ in range(60)]
    confirmed_already = [make_signature(crowd) for _ in range(20)]
    paths = []
    for signature in signatures:
        paths.append(("confirm", f"/signer/confirmer/{tokens.confirmation_token(signature)}/"))
        paths.append(("withdraw", f"/signer/retirer/{tokens.withdrawal_token(signature)}/"))
    for signature in confirmed_already[:10]:
        paths.append(("withdraw", f"/signer/retirer/{tokens.withdrawal_token(signature)}/"))

    results = in_parallel(lambda item: Client().post(item[1]).status_code, paths)

    assert set(results) <= {302, 404}
    assert Signature.objects.filter(pk__in=[s.pk for s in signatures]).count() == 0
    assert counter.stored_counts(crowd.pk) == (10, 0)
    assert reconcile() == "retrait-lsun: 10 confirmed / 0 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"
