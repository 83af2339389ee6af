"""Logs as one JSON object per line, with nothing personal in them.

No email, name or IP address is ever logged. Paths are logged only where
they cannot hold a secret (public pages); otherwise the URL pattern is
logged instead of the path, so a confirmation or withdrawal token never
reaches a log file. As a last guard, every line, whatever logger wrote it,
goes through ``redact()``: emails, long token-like strings, the secret part
of emailed links, client addresses, and the rows and values PostgreSQL
quotes in its error messages are masked.
"""

import json
import logging
import re
from datetime import UTC, datetime

# Every pattern here runs on text a visitor may have typed (a path, a value
# quoted by PostgreSQL): each must cost linear time. A pattern that may start
# anywhere inside a long run and scan to its end costs the square of the run
# (40,000 letters took 8 s), so matches start only where a run starts.
# Random tokens and signatures: long runs of letters, digits, "-", "_", ":"
# with at least one digit (so dotted module paths and words stay readable);
# the digit is checked on the whole run by _mask_token.
TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-:]{20,}")
EMAIL_LIKE = re.compile(r"(?<![^\s@<>\"'])[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")
# Addresses whose last segment is a secret sent by email. tests/campaign/test_log.py
# checks that every URL taking a token or a key is listed; deploy/nginx.conf
# masks the same ones in the proxy's log.
SECRET_PATH_PREFIXES = (
    "signer/confirmer/",
    "signer/retirer/",
    "organisations/rejoindre/confirmer/",
    "actualites/desabonnement/",
    "compte/confirm-email/",
    "compte/password/reset/key/",
)
SECRET_PATH = re.compile(
    r"(/(?:en/)?(?:" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + r"))[^/\s\"'?#]+"
)
# Client addresses: gunicorn names them ("Invalid request from ip=…"). Loopback stays readable.
IP_FIELD = re.compile(r"\bip=[0-9A-Fa-f:.]*[0-9A-Fa-f]")
IPV4 = re.compile(r"(?<![\w.])(?!127\.)(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")

# PostgreSQL's error messages quote the rows and the values they refused:
# "DETAIL:  Failing row contains (12, Jeanne, Martin, …)", "Key (email)=(…)",
# 'invalid input syntax for type integer: "…"', and the statement itself
# ("LINE 1: INSERT … VALUES ('Jeanne', …)"). A value may hold parentheses and
# line breaks, so a row is masked up to the last parenthesis of the text:
# this is the fallback for texts that reached a log without their exception
# (see database_error_text() for the exact way).
# The two row patterns are found with plain string searches (_mask_rows), since
# a regular expression with ".*" there goes quadratic on a repeated prefix.
FAILING_ROW = "Failing row contains ("
KEY_VALUES = "Key ("
STATEMENT_LINE = re.compile(r"\b(LINE \d+:|QUERY:|STATEMENT:|CONTEXT:).*$", re.MULTILINE)
# PostgreSQL names the type in a few words before the quoted value: bounded,
# so that a repeated prefix without a value cannot make each try scan the line.
QUOTED_INPUT = re.compile(
    r"((?:invalid input (?:syntax|value) for|malformed|out of range|invalid value)[^\"\n]{0,200}?): \"[^\"\n]*\"?"
)
QUOTED_VALUE = re.compile(r"\bvalue \"[^\"\n]*\" is out of range")

STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Extra fields that are ours and hold nothing personal or secret.
TRUSTED_FIELDS = {"request_id", "method", "route", "status", "duration_ms"}


def _mask_rows(text):
    """Mask a failing row and a key's values, each up to the last parenthesis of the text.

    A value may hold parentheses and line breaks: masking up to the last one
    errs on the side of hiding too much.
    """
    last = text.rfind(")")
    start = text.find(FAILING_ROW)
    if start >= 0 and last >= start + len(FAILING_ROW):
        text = text[:start] + "Failing row contains […]" + text[last + 1 :]
        last = text.rfind(")")
    start = text.find(KEY_VALUES)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start = text.find(KEY_VALUES, start + 1)  # "PrimaryKey (" is not a key's values
    if start >= 0:
        equals = text.find(")=(", start + len(KEY_VALUES))
        if equals >= 0 and last >= equals + 3:
            text = text[:equals] + ")=[…]" + text[last + 1 :]
    return text


def redact(text):
    text = _mask_rows(text)
    text = STATEMENT_LINE.sub(r"\1 […]", text)
    text = QUOTED_INPUT.sub(r'\1: "…"', text)
    text = QUOTED_VALUE.sub('value "…" is out of range', text)
    text = SECRET_PATH.sub(r"\1[…]", text)
    text = EMAIL_LIKE.sub("[email]", text)
    text = IP_FIELD.sub("ip=[…]", text)
    text = IPV4.sub("[ip]", text)
    return TOKEN_RUN.sub(_mask_token, text)


def _mask_token(match):
    run = match[0]
    return "[…]" if any(char.isdigit() for char in run) else run


def _is_database_error(error):
    # Imported here: gunicorn's master loads this formatter before Django is set up.
    import psycopg
    from django.db import Error

    return isinstance(error, Error | psycopg.Error)


def _chain(error, seen=None):
    """The exception and those it was raised from or during, as a traceback prints them."""
    seen = set() if seen is None else seen
    if error is None or id(error) in seen:
        return
    seen.add(id(error))
    yield error
    yield from _chain(error.__cause__, seen)
    yield from _chain(error.__context__, seen)


def _diagnostic(error):
    for candidate in (error, error.__cause__):
        diag = getattr(candidate, "diag", None)
        if diag is not None and diag.message_primary:
            return diag
    return None


def database_error_text(error):
    """What a database error says, without the row, the values or the statement it quotes.

    The constraint, table and column names stay: they say which rule broke.
    """
    diag = _diagnostic(error)
    primary = diag.message_primary if diag is not None else str(error).split("\n", 1)[0]
    text = redact(primary)
    detail = diag.message_detail if diag is not None else None
    if detail:
        key = re.fullmatch(
            r"(Key \(.*?\))=\(.*\) (already exists|is not present in table \"[^\"]*\"|"
            r"is still referenced from table \"[^\"]*\")\.",
            detail,
            re.DOTALL,
        )
        if key:
            detail = f"{key[1]}=[…] {key[2]}."
        elif detail.startswith("Failing row contains"):
            detail = "Failing row contains […]."
        else:
            detail = "[…]"
        text += f"\nDETAIL:  {detail}"
    return text


def mask_database_errors(text, errors):
    """Replace, in ``text``, the message of every database error in the chains of ``errors``."""
    for error in errors:
        for link in _chain(error):
            if not _is_database_error(link):
                continue
            raw = str(link)
            if raw:
                text = text.replace(raw, database_error_text(link))
    return text


def _errors_of(record):
    errors = []
    if record.exc_info and record.exc_info[1] is not None:
        errors.append(record.exc_info[1])
    args = record.args.values() if isinstance(record.args, dict) else record.args or ()
    errors.extend(arg for arg in args if isinstance(arg, BaseException))
    return errors


class JsonFormatter(logging.Formatter):
    def format(self, record):
        errors = _errors_of(record)

        def clean(text):
            return redact(mask_database_errors(text, errors))

        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": clean(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_") and key != "request":
                plain = isinstance(value, int | float | bool | type(None)) or key in TRUSTED_FIELDS
                entry[key] = value if plain else clean(str(value))
        if record.exc_info:
            entry["exception"] = clean(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The human-readable format of ``make run``, masked like the JSON one."""

    def format(self, record):
        # Formatter.format caches the traceback's text on the record: format a
        # copy, so no other handler ever reuses the unmasked text.
        copy = logging.makeLogRecord(record.__dict__)
        copy.exc_text = None
        return redact(mask_database_errors(super().format(copy), _errors_of(record)))
