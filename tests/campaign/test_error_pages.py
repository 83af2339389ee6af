"""The site's own answer, in the language of the address, for every error status; the outage page only for outages."""

import json
import re

import pytest
from django.test import Client

from campaign.log import JsonFormatter
from tests.petitions.conftest import petition  # noqa: F401 - the fixture
from tests.petitions.factories import make_signature

pytestmark = pytest.mark.django_db

HOME_LINK = {"fr": '<a href="/">Revenir à l\'accueil</a>', "en": '<a href="/en/">Back to the home page</a>'}


def visible(html):
    return html.replace("&#x27;", "'")


def heading(html):
    return visible(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))


def paragraphs(html):
    main = re.search(r"<main[^>]*>(.*?)</main>", html, re.S).group(1)
    return [visible(text) for text in re.findall(r"<p>(.*?)</p>", main, re.S)]


def check_error_page(response, status, language, title):
    """The page is ours: status, language, heading, a link home, CSP-clean, no cookie."""
    html = response.content.decode()
    assert response.status_code == status
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert heading(html) == title
    assert '<a class="skip-link" href="#contenu">' in html
    assert re.findall(r"<script[^>]*>", html) == []
    assert "<style" not in html and " style=" not in html and not re.search(r" on\w+=", html)
    assert response.cookies == {}
    assert "Traceback" not in html
    return html


def csrf_client():
    """A browser that fetched the signing form: it has the CSRF cookie and token."""
    client = Client(enforce_csrf_checks=True)
    response = client.get("/signer/")
    return client, response.cookies["csrftoken"].value


@pytest.fixture
def site(petition):  # noqa: F811 - the imported fixture
    """The featured petition, open, as `make run` loads it."""
    return petition


# -- 400 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "title", "text"),
    [
        (
            "/",
            "fr",
            "Demande incorrecte",
            "Le site n'a pas pu lire cette demande, et rien n'a été enregistré. Si vous avez suivi un lien reçu "
            "par e-mail, vérifiez qu'il a été recopié en entier ; sinon, revenez en arrière, rechargez la page "
            "et réessayez.",
        ),
        (
            "/en/",
            "en",
            "Bad request",
            "The site could not read this request, and nothing was saved. If you followed a link from an email, "
            "check that it was copied in full; otherwise go back, reload the page and try again.",
        ),
    ],
)
def test_a_host_we_do_not_serve_gets_our_400_page(path, language, title, text):
    response = Client().get(path, HTTP_HOST="evil.example")

    html = check_error_page(response, 400, language, title)
    assert paragraphs(html) == [text, HOME_LINK[language]]


@pytest.mark.parametrize(
    ("path", "language", "title"), [("/signer/", "fr", "Demande incorrecte"), ("/en/signer/", "en", "Bad request")]
)
def test_a_form_sent_in_utf16_gets_our_400_page_not_a_500(site, path, language, title):
    client, token = csrf_client()

    response = client.post(
        path,
        data=f"first_name=Jeanne&csrfmiddlewaretoken={token}",  # the client encodes it in the charset
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )

    check_error_page(response, 400, language, title)
    assert site.signatures.count() == 0


# -- 403 ---------------------------------------------------------------------


@pytest.mark.urls("tests.campaign.error_urls")
@pytest.mark.parametrize(
    ("path", "language", "title", "text"),
    [
        (
            "/_test/forbidden/",
            "fr",
            "Accès refusé",
            "Vous n'avez pas accès à cette page. Si elle fait partie de l'espace des organisations, connectez-vous "
            "avec un compte qui y a droit.",
        ),
        (
            "/en/_test/forbidden/",
            "en",
            "Access denied",
            "You do not have access to this page. If it is part of the organisations' area, log in with an account "
            "that has access to it.",
        ),
    ],
)
def test_permission_denied_gets_our_403_page(pages, path, language, title, text):
    response = Client().get(path)

    html = check_error_page(response, 403, language, title)
    assert paragraphs(html) == [text, HOME_LINK[language]]


@pytest.mark.parametrize(
    ("path", "language", "title", "texts"),
    [
        (
            "/signer/",
            "fr",
            "Le formulaire n'a pas pu être envoyé",
            [
                "Par sécurité, chaque formulaire du site porte une marque, liée à un cookie technique, qui manquait "
                "ou n'était plus valable. Rien n'a été enregistré.",
                "Revenez à la page du formulaire, rechargez-la, puis envoyez-le de nouveau. Si cela se reproduit, "
                "vérifiez que votre navigateur accepte les cookies de ce site : il n'en dépose que pour les "
                "formulaires.",
            ],
        ),
        (
            "/en/signer/",
            "en",
            "The form could not be sent",
            [
                "For security, every form on the site carries a mark, tied to a technical cookie, that was missing "
                "or no longer valid. Nothing was saved.",
                "Go back to the form's page, reload it, then send it again. If this happens again, check that your "
                "browser accepts cookies from this site: it only sets them for forms.",
            ],
        ),
    ],
)
def test_a_form_without_its_csrf_token_gets_our_403_page(site, path, language, title, texts):
    response = Client(enforce_csrf_checks=True).post(path, {"first_name": "Jeanne"})

    html = check_error_page(response, 403, language, title)
    assert visible(re.search(r"<title>(.*?)</title>", html).group(1)) == title
    assert paragraphs(html) == [*texts, HOME_LINK[language]]
    assert site.signatures.count() == 0


# -- 404 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "title", "text"),
    [
        (
            "/nulle-part/",
            "fr",
            "Page introuvable",
            "L'adresse demandée n'existe pas ou plus. Elle a peut-être été mal recopiée.",
        ),
        (
            "/en/nowhere/",
            "en",
            "Page not found",
            "The address you asked for does not exist, or no longer does. It may have been mistyped.",
        ),
    ],
)
def test_an_unknown_address_gets_our_404_page(pages, path, language, title, text):
    response = Client().get(path)

    html = check_error_page(response, 404, language, title)
    assert paragraphs(html)[0] == text


# -- 405 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "language", "title", "text"),
    [
        (
            "options",
            "/recherche/",
            "fr",
            "Action impossible à cette adresse",
            "Cette adresse ne répond pas à ce type de demande. Si vous venez d'un lien ou d'un formulaire du site, "
            "revenez en arrière et réessayez.",
        ),
        (
            "post",
            "/en/recherche/",
            "en",
            "Not possible at this address",
            "This address does not answer this kind of request. If you came from a link or a form on the site, "
            "go back and try again.",
        ),
    ],
)
def test_a_method_a_page_does_not_take_gets_our_405_page_with_allow(pages, method, path, language, title, text):
    response = getattr(Client(), method)(path)

    html = check_error_page(response, 405, language, title)
    assert response["Allow"] == "GET, HEAD"
    assert paragraphs(html) == [text, HOME_LINK[language]]


# -- 413 ---------------------------------------------------------------------

TEXT_413 = {
    "fr": "Ce que vous avez envoyé dépasse la taille que le site accepte, et rien n'a été enregistré. Revenez au "
    "formulaire et joignez une image plus légère ou un texte plus court.",
    "en": "What you sent is larger than the site accepts, and nothing was saved. Go back to the form and attach a "
    "lighter image or a shorter text.",
}


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [("/signer/", "fr", "Envoi trop volumineux"), ("/en/signer/", "en", "Upload too large")],
)
def test_a_body_above_the_limit_is_refused_before_it_is_read(site, settings, path, language, title):
    settings.REQUEST_BODY_MAX_BYTES = 100_000
    client, token = csrf_client()

    response = client.post(
        path,
        data=f"csrfmiddlewaretoken={token}&first_name={'a' * 100_000}",
        content_type="application/x-www-form-urlencoded",
    )

    html = check_error_page(response, 413, language, title)
    assert paragraphs(html) == [TEXT_413[language], HOME_LINK[language]]
    assert site.signatures.count() == 0


def test_the_body_limit_is_read_from_the_announced_length_alone(site, settings):
    settings.REQUEST_BODY_MAX_BYTES = 100_000

    response = Client().post("/signer/", data=b"", content_type="text/plain", CONTENT_LENGTH="100001")

    check_error_page(response, 413, "fr", "Envoi trop volumineux")


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [("/signer/", "fr", "Envoi trop volumineux"), ("/en/signer/", "en", "Upload too large")],
)
def test_form_fields_above_djangos_memory_limit_get_our_413_page(site, settings, path, language, title):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client, token = csrf_client()

    response = client.post(
        path,
        data=f"csrfmiddlewaretoken={token}&first_name={'a' * 20_000}",
        content_type="application/x-www-form-urlencoded",
    )

    check_error_page(response, 413, language, title)
    assert site.signatures.count() == 0


# -- 429 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "title", "text"),
    [
        (
            "/compte/password/reset/",
            "fr",
            "Trop de demandes",
            "Beaucoup de demandes sont venues de votre connexion en peu de temps. Par précaution, celle-ci n'a pas "
            "été traitée : attendez quelques minutes avant de réessayer.",
        ),
        (
            "/en/compte/password/reset/",
            "en",
            "Too many requests",
            "Many requests came from your connection in a short time. As a precaution, this one was not handled: "
            "wait a few minutes before trying again.",
        ),
    ],
)
def test_allauths_throttling_answers_with_our_429_page(pages, settings, path, language, title, text):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    client = Client()
    assert client.post(path, {"email": "personne@example.org"}).status_code == 302

    response = client.post(path, {"email": "personne@example.org"})

    html = check_error_page(response, 429, language, title)
    assert paragraphs(html) == [text, HOME_LINK[language]]


# -- 500 and 503 -------------------------------------------------------------

TEXT_500 = {
    "fr": "Le site a rencontré un problème inattendu. L'équipe en est informée. Réessayez dans quelques instants.",
    "en": "The site ran into an unexpected problem. The team has been told. Please try again in a moment.",
}
TITLE_500 = {"fr": "Une erreur est survenue", "en": "Something went wrong"}
TITLE_503 = {"fr": "Site momentanément indisponible", "en": "Site temporarily unavailable"}


def formatted(records):
    """The request log's records as the production formatter writes them."""
    return [json.loads(JsonFormatter().format(record)) for record in records if record.name == "django.request"]


@pytest.fixture
def jeanne(site):
    return make_signature(
        site, first_name="Jeanne", last_name="Martin (née Dupont)", email="jeanne.martin@example.org", postcode="38000"
    )


@pytest.mark.urls("tests.campaign.error_urls")
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    ("view", "logged"),
    [
        (
            "integrity-error",
            'django.db.utils.IntegrityError: new row for relation "petitions_signature" violates check constraint '
            '"petitions_signature_postcode_format"\nDETAIL:  Failing row contains […].',
        ),
        (
            "duplicate-key",
            "django.db.utils.IntegrityError: duplicate key value violates unique constraint "
            '"petitions_signature_pkey"\nDETAIL:  Key (id)=[…] already exists.',
        ),
        ("data-error", "django.db.utils.DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes"),
        ("data-error-with-value", 'django.db.utils.DataError: invalid input syntax for type integer: "…"'),
        ("programming-error", 'django.db.utils.ProgrammingError: relation "no_such_table" does not exist'),
        ("bug", "ValueError: a bug in our code"),
    ],
)
def test_a_bug_is_logged_without_personal_data_and_answered_500(jeanne, caplog, language, view, logged):
    prefix = "/en" if language == "en" else ""

    response = Client(raise_request_exception=False).get(f"{prefix}/_test/{view}/")

    html = check_error_page(response, 500, language, TITLE_500[language])
    assert paragraphs(html) == [TEXT_500[language], HOME_LINK[language]]
    [entry] = formatted(caplog.records)
    assert (entry["level"], entry["message"], entry["status_code"]) == (
        "ERROR",
        f"Internal Server Error: {prefix}/_test/{view}/",
        500,
    )
    assert entry["exception"].endswith(logged)
    for personal in ("Jeanne", "Martin", "Dupont", "jeanne.martin", "38000", jeanne.token):
        assert personal not in json.dumps(entry, ensure_ascii=False)


@pytest.mark.urls("tests.campaign.error_urls")
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    ("view", "logged"),
    [
        ("interface-error", "django.db.utils.InterfaceError: the cursor is closed"),
        ("pool-timeout", "django.db.utils.OperationalError: couldn't get a connection after 0.30 sec"),
    ],
)
def test_only_a_database_out_of_reach_gets_the_503_page(pages, caplog, language, view, logged):
    prefix = "/en" if language == "en" else ""

    response = Client(raise_request_exception=False).get(f"{prefix}/_test/{view}/")

    html = check_error_page(response, 503, language, TITLE_503[language])
    assert response["Retry-After"] == "30"
    assert heading(html) == TITLE_503[language]
    [entry] = formatted(caplog.records)
    assert (entry["level"], entry["status_code"]) == ("ERROR", 503)
    assert entry["exception"].endswith(logged)


@pytest.mark.urls("tests.campaign.error_urls")
def test_an_error_page_sets_no_cookie_even_when_the_view_asked_for_one(pages):
    response = Client(raise_request_exception=False).get("/_test/bug-after-csrf/")

    check_error_page(response, 500, "fr", TITLE_500["fr"])
    assert "Set-Cookie" not in response.serialize().decode()
