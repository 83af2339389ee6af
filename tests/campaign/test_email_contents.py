"""Every email the site sends, whole, compared with the copy kept in tests/campaign/emails/.

The copies were taken from the site as it was when emails were rendered at
queueing time; the worker renders them now, and not one character may differ.
Random tokens and database ids are replaced by placeholders on both sides.
Run with ``EMAIL_FIXTURES=write`` to take the copies again (then read the diff).
"""

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client

from campaign import outbox
from news import mailing
from organisations import services as organisations
from petitions import services as petitions
from tests.campaign.factories import make_user
from tests.news.factories import make_post
from tests.organisations.factories import make_organisation
from tests.petitions.factories import make_petition

pytestmark = pytest.mark.django_db

SIGNER = {
    "first_name": "Zoé",
    "last_name": "L'Hôte-Müller",
    "email": "zoe@example.org",
    "postcode": "38000",
    "departement": "38",
    "role": "parent",
    "show_name": False,
}
FIXTURES = Path(__file__).parent / "emails"
NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
TOKEN = re.compile(r"[A-Za-z0-9_\-:.]{20,}")
ID_IN_PATH = re.compile(r"/\d+/")


@pytest.fixture
def locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []


def normalised(text):
    return ID_IN_PATH.sub("/<id>/", TOKEN.sub("<token>", text))


def delivered():
    outbox.deliver_due()
    messages = []
    for message in mail.outbox:
        html = [content for content, kind in message.alternatives if kind == "text/html"]
        headers = {name: value for name, value in message.extra_headers.items() if name != "Message-ID"}
        messages.append(
            {
                "to": message.to,
                "from": message.from_email,
                "subject": normalised(message.subject),
                "headers": {name: normalised(value) for name, value in headers.items()},
                "text": normalised(message.body),
                "html": normalised(html[0]) if html else None,
            }
        )
    mail.outbox = []
    return messages


def check(name, messages):
    path = FIXTURES / f"{name}.json"
    if os.environ.get("EMAIL_FIXTURES") == "write":
        path.write_text(json.dumps(messages, ensure_ascii=False, indent=1) + "\n")
    assert messages == json.loads(path.read_text())


@pytest.mark.parametrize("language", [None, "en"])
def test_signature_confirmation_and_already_signed(pages, locmem, language):
    petition = make_petition(title="Retrait du LSUN")
    with time_machine.travel(NOW, tick=False):
        petitions.sign(petition, SIGNER | {"wants_news": True}, language=language)
        confirm = delivered()
        signature = petition.signatures.get()
        petitions.confirm(signature)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        petitions.sign(petition, SIGNER | {"wants_news": False}, language=language)
        already = delivered()
    check(f"signature_{language or 'fr'}", confirm + already)


def test_signature_confirmation_sent_again(pages, locmem):
    petition = make_petition(title="Retrait du LSUN")
    with time_machine.travel(NOW, tick=False):
        petitions.sign(petition, SIGNER | {"wants_news": False})
        delivered()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        petitions.sign(petition, SIGNER | {"wants_news": False})
        check("signature_confirm_again", delivered())


def test_news_post(pages, locmem):
    petition = make_petition(title="Retrait du LSUN")
    with time_machine.travel(NOW, tick=False):
        petitions.sign(petition, SIGNER | {"wants_news": True})
        petitions.confirm(petition.signatures.get())
        delivered()
        post = make_post("Le ministère répond", body="Le **texte** de l'actualité.")
        mailing.start_mailing(post, None)
        mailing.send_batch(post.pk)
        check("news_post", delivered())


def test_organisation_emails(pages, locmem):
    moderator = make_user("moderation@example.org", superuser=True)
    assert moderator.is_staff
    with time_machine.travel(NOW, tick=False):
        organisation = organisations.submit_request(
            name="Syndicat des écoles",
            short_name="SDE",
            kind="syndicat",
            scope="38",
            website="https://example.org/",
            description="Un syndicat.",
            contact_name="Camille Martin",
            contact_email="camille@example.org",
            logo=None,
            message="Nous signons.",
        )
        requested = delivered()
        organisations.confirm_contact(organisation)
        to_staff = delivered()
        organisations.approve(organisation)
        approved = delivered()
        other = make_organisation("Association des parents", status="pending", contact_email="asso@example.org")
        organisations.refuse(other, "Hors du champ de l'appel.")
        refused = delivered()
        organisations.send_invitation(organisation, "dominique@example.org", "Dominique Petit")
        invited = delivered()
    check("organisations", requested + to_staff + approved + refused + invited)


def test_account_password_reset(pages, locmem):
    make_user("redaction@example.org")
    with time_machine.travel(NOW, tick=False):
        Client().post("/compte/password/reset/", {"email": "redaction@example.org"})
        check("account_password_reset", delivered())
