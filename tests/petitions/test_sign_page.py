"""The form page: its fields rendered once per language and process, the CSRF token and the stamp per request."""

import re
import time

import pytest
from django.test import Client

from campaign.antispam import _read_stamp
from petitions import views
from petitions.models import Signature
from tests.petitions.factories import form_data

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STAMP = re.compile(r'name="shown_at" value="([^"]+)"')


def form_html(response):
    html = response.content.decode()
    return html[html.index("<form") : html.index("</form>")]


def without_secrets(html):
    return STAMP.sub('name="shown_at" value="-"', CSRF.sub('name="csrfmiddlewaretoken" value="-"', html))


@pytest.mark.parametrize("path", ["/signer/", "/en/signer/"])
def test_the_form_rendered_once_is_the_form_rendered_each_time(client, petition, monkeypatch, path):
    views._unbound_form.cache_clear()
    cached = [form_html(client.get(path)) for _ in range(2)]
    monkeypatch.setattr(views, "unbound_fields", lambda language, stamp: None)

    rendered = form_html(client.get(path))

    assert without_secrets(cached[0]) == without_secrets(cached[1]) == without_secrets(rendered)


def test_each_language_gets_its_own_fields(client, petition):
    views._unbound_form.cache_clear()

    english = form_html(client.get("/en/signer/"))
    french = form_html(client.get("/signer/"))

    assert '<label for="id_first_name">First name</label>' in english
    assert '<label for="id_first_name">Prénom</label>' in french


def test_every_visit_gets_its_own_stamp_and_csrf_token(petition):
    pages = [form_html(Client().get("/signer/")) for _ in range(2)]

    stamps = [STAMP.search(page)[1] for page in pages]
    tokens = [CSRF.search(page)[1] for page in pages]
    assert stamps[0] != stamps[1] and tokens[0] != tokens[1]
    assert all(abs(_read_stamp(stamp)[0] - time.time()) < 60 for stamp in stamps)


def test_the_csrf_token_of_the_page_is_required_and_works(petition):
    browser = Client(enforce_csrf_checks=True)
    page = form_html(browser.get("/signer/"))
    data = form_data()  # with a stamp of 10 seconds ago

    refused = browser.post("/signer/", data)
    assert refused.status_code == 403
    assert Signature.objects.count() == 0

    accepted = browser.post("/signer/", data | {"csrfmiddlewaretoken": CSRF.search(page)[1]})
    assert accepted.status_code == 302
    assert list(Signature.objects.values_list("email", flat=True)) == ["zoe@example.org"]


def test_a_stamp_of_the_page_too_fresh_is_still_refused(petition):
    browser = Client()
    page = form_html(browser.get("/signer/"))

    response = browser.post("/signer/", form_data() | {"shown_at": STAMP.search(page)[1]})

    assert response.status_code == 200
    assert Signature.objects.count() == 0
