"""Accepted paper signatures in the petition's count: the snapshot, the API and the pages agree."""

import json

from organisations import paper
from petitions import counter
from tests.campaign.factories import make_user
from tests.campaign.html_text import block_texts
from tests.organisations.factories import make_batch
from tests.petitions.factories import make_signature


def test_the_count_adds_accepted_paper_to_confirmed_online_signatures(petition, django_assert_num_queries):
    make_signature(petition, show_name=True)
    make_signature(petition)
    make_signature(petition, confirmed=False)
    make_batch(counts={"38": 1200, "etranger": 34}, accepted=True)
    make_batch(counts={"75": 500})  # pending: does not count

    with django_assert_num_queries(1):
        snapshot = counter.featured(fresh=True)

    assert (snapshot.signatures, snapshot.online, snapshot.paper) == (1236, 2, 1234)
    assert (snapshot.public, snapshot.hidden) == (1, 1)
    assert snapshot.paper == paper.accepted_total() == sum(paper.accepted_by_departement().values())


def test_withdrawing_a_batch_takes_it_off_the_count(petition):
    make_signature(petition)
    batch = make_batch(counts={"38": 40}, accepted=True)
    assert counter.featured(fresh=True).signatures == 41

    paper.withdraw(batch, user=make_user(staff=True), reason="Doublon.")

    snapshot = counter.featured(fresh=True)
    assert (snapshot.signatures, snapshot.online, snapshot.paper) == (1, 1, 0)


def test_the_api_gives_the_total_and_its_two_parts(client, petition):
    make_signature(petition)
    make_signature(petition)
    make_batch(counts={"2A": 7}, accepted=True)

    data = json.loads(client.get("/api/petition.json").content)

    assert (data["signatures"], data["online"], data["paper"]) == (9, 2, 7)


def test_pages_say_how_many_signed_on_paper(client, petition):
    petition.goal = 5000
    petition.save()
    make_signature(petition)
    make_batch(counts={"38": 1200, "etranger": 34}, accepted=True)

    home = client.get("/").content.decode()
    sign = client.get("/signer/").content.decode()

    assert block_texts(home, "petition-counter") == [
        "1 235 signatures (dont 1 234 sur papier) sur un objectif de 5 000"
    ]
    assert block_texts(sign, "petition-counter") == block_texts(home, "petition-counter")


def test_pages_say_nothing_of_paper_without_it(client, petition):
    make_signature(petition)

    home = client.get("/").content.decode()

    assert block_texts(home, "petition-counter") == ["1 signature sur un objectif de 10 000"]
