"""The outbox: the intent to send an email is a row written in the caller's transaction; the worker renders and sends.

Why a table and not a task per email: the row is the idempotence record. A
rolled-back transaction leaves no row, so nothing is sent; a committed one is
never lost, because any worker (or the periodic sweep) picks up due rows.

What the row holds is the intent, not the message: the kind of email, the id
of the object it is about, the language, a few parameters and the
idempotency key. Rendering three templates took most of a signature's time
(bench/README.md); the worker does it when it sends, from the object as it is
then. When the object is gone (a withdrawn signature, a withdrawn
organisation), the row is dropped and nothing is sent.

Kinds of email are registered by the app that owns them, in a module its
``AppConfig.ready()`` imports (``petitions/emails.py``...)::

    @email_kind("petitions.signature_confirm", template="petitions/emails/signature_confirm", model=Signature)
    def signature_confirm(signature, params):
        return Email(to=signature.email, context={"signature": signature, ...})

    queue("petitions.signature_confirm", key=signature.email_key("confirm"), about=signature, language="en")

``build(obj, params)`` runs in the worker, under the row's language, and
returns the recipient, the template context and extra headers. ``params``
is what the caller passed to ``queue()`` (JSON: ids, short strings), for what
the object does not say; ``to=`` at queueing time is the address when the
kind has no object (``Email(to=None)`` keeps it). Emails are rendered with
``render_email(template, context, language)`` as before.

The worker is woken by PostgreSQL: a statement trigger on the table runs
``NOTIFY campaign_outbox``, delivered at commit, once per transaction
whatever the number of rows; the worker LISTENs (``listen_and_deliver``).
The periodic ``deliver_pending_emails`` task is the fallback for a missed
notification, and retries wait in ``next_attempt_at``.

Sending takes a row lock with SKIP LOCKED, renders, sends over SMTP, and
marks the row sent in the same transaction, so two workers never send the
same row. The one window left is a worker dying after the SMTP server
accepted the message and before the commit; the deterministic Message-ID
lets receiving servers discard that duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import select
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection, models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaign.models import OutgoingEmail

logger = logging.getLogger(__name__)

# Refusals that concern one message only: the next message may well go through.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)

# The channel the table's trigger notifies (migration campaign 0009).
CHANNEL = "campaign_outbox"


def render_email(template, context, language=None):
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``.

    ``template`` names an app's email, ``"<app>/emails/<name>"``.
    """
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split()), text, html


# ---------------------------------------------------------------------------
# Kinds of email
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    """What a kind's ``build`` returns: the recipient (None: the one given to ``queue``), context, headers."""

    to: str | None
    context: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]


Build = Callable[[Any, dict[str, Any]], Email | None]


@dataclass(frozen=True)
class EmailKind:
    name: str
    # The object by id, or None when it is gone (the email is then dropped).
    load: Callable[[int], Any] | None
    # obj (None for a kind without object), params -> Email (None: nothing to send); run under the row's language.
    build: Build
    template: str

    def render(self, outgoing: OutgoingEmail) -> Rendered | None:
        obj = None
        if self.load is not None:
            obj = self.load(outgoing.object_id) if outgoing.object_id is not None else None
            if obj is None:
                return None
        language = outgoing.language or settings.LANGUAGE_CODE
        with translation.override(language):
            email = self.build(obj, outgoing.params)
        if email is None:
            return None
        subject, text, html = render_email(self.template, email.context, language)
        return Rendered(email.to or outgoing.recipient, subject, text, html, email.headers)


KINDS: dict[str, EmailKind] = {}


def email_kind(
    name: str,
    *,
    template: str,
    model: type[models.Model] | None = None,
    load: Callable[[int], Any] | None = None,
) -> Callable[[Build], Build]:
    """Register ``build`` as the kind ``name``: ``model`` (or ``load(id)``) finds its object at send time."""
    loader = load
    if model is not None and loader is None:
        manager = model._default_manager

        def loader(pk: int) -> Any:
            return manager.filter(pk=pk).first()

    def register(build: Build) -> Build:
        if name in KINDS and KINDS[name].build is not build:
            raise ValueError(f"email kind {name!r} registered twice")
        KINDS[name] = EmailKind(name=name, load=loader, build=build, template=template)
        return build

    return register


def queue(
    kind: str,
    *,
    key: str,
    about: models.Model | int | None = None,
    to: str = "",
    params: dict[str, Any] | None = None,
    language: str | None = None,
) -> OutgoingEmail | None:
    """Record, in the current transaction, the intent to send the email ``kind`` about ``about``.

    ``key`` names the logical message (``"signature:42:confirm:1"``); queueing
    the same key again sends nothing more. Returns the new row, or None when
    the key was queued already. Committing wakes the worker (the trigger).
    """
    if kind not in KINDS:
        raise LookupError(f"unknown email kind {kind!r}")
    object_id = about.pk if isinstance(about, models.Model) else about
    message = OutgoingEmail(
        key=key,
        kind=kind,
        object_id=object_id,
        recipient=to,
        params=params or {},
        language=language or settings.LANGUAGE_CODE,
    )
    return message if _insert_unless_queued(message) else None


def insert_sql() -> tuple[str, list[str]]:
    """``INSERT INTO outbox (...) VALUES (%s...) ON CONFLICT (key) DO NOTHING``, and the fields in order.

    Also used inside the signing statement (petitions.services), which
    writes the signature and its email in one round trip.
    """
    meta, quote = OutgoingEmail._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(cast(str, f.column)) for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
        f"ON CONFLICT ({quote(cast(str, meta.get_field('key').column))}) DO NOTHING"
    )
    return sql, [f.attname for f in fields]


def queue_sql(
    kind: str, *, source: str, id_column: str, key: tuple[str, str], language: str | None = None
) -> tuple[str, list[Any]]:
    """The INSERT that queues the email ``kind`` about each row of ``source`` (a CTE's name), and its parameters.

    ``id_column`` is the row's id, ``key`` what goes before and after it in
    the idempotency key. For a caller that writes its object and the email in
    one statement, one round trip (petitions.services: signing).
    """
    if kind not in KINDS:
        raise LookupError(f"unknown email kind {kind!r}")
    message = OutgoingEmail(key="-", kind=kind, language=language or settings.LANGUAGE_CODE)
    insert, attnames = insert_sql()
    columns = insert[: insert.index(" VALUES ")]
    conflict = insert[insert.index(" ON CONFLICT ") :]
    expressions: list[str] = []
    params: list[Any] = []
    for attname, value in zip(attnames, insert_values(message), strict=True):
        if attname == "key":
            expressions.append(f"%s || {id_column} || %s")
            params.extend(key)
        elif attname == "object_id":
            expressions.append(id_column)
        else:
            expressions.append("%s")
            params.append(value)
    return f"{columns} SELECT {', '.join(expressions)} FROM {source}{conflict}", params  # noqa: S608


def insert_values(message: OutgoingEmail) -> list[Any]:
    meta = OutgoingEmail._meta
    return [
        f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in meta.concrete_fields if not f.primary_key
    ]


def _insert_unless_queued(message):
    """INSERT ... ON CONFLICT (key) DO NOTHING: True and the primary key set if the row is new.

    One round trip, where get_or_create took four (SELECT, SAVEPOINT, INSERT,
    RELEASE) and a sixth of a signature's time (bench/).
    """
    sql, _ = insert_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", insert_values(message))
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    return True


def wake_worker() -> None:
    """Wake the listening workers when the current transaction commits (rows made due by an UPDATE).

    Inserting rows needs no call: the table's trigger notifies.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


# A message rendered before the outbox held intents (rows pending when the
# site was upgraded): sent as it was rendered.
@dataclass(frozen=True)
class _Prerendered(EmailKind):
    def render(self, outgoing: OutgoingEmail) -> Rendered | None:
        params = outgoing.params
        return Rendered(outgoing.recipient, params["subject"], params["text"], params["html"], params["headers"])


PRERENDERED = "campaign.prerendered"
KINDS[PRERENDERED] = _Prerendered(name=PRERENDERED, load=None, build=lambda obj, params: Email(None, {}), template="")


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


def message_id(key):
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(outgoing: OutgoingEmail, rendered: Rendered) -> mail.EmailMultiAlternatives:
    message = mail.EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[rendered.to],
        headers={"Message-ID": message_id(outgoing.key), **rendered.headers},
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


def retry_delay(attempts):
    """30 s, 1 min, 2 min... capped at 10 min between attempts (EMAIL_RETRY_BASE_SECONDS = 30)."""
    base = settings.EMAIL_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 20 * base))


def record_failure(outgoing, error, now):
    outgoing.attempts += 1
    outgoing.last_error = f"{type(error).__name__}: {error}"[:500]
    if now - outgoing.created_at >= timedelta(seconds=settings.EMAIL_RETRY_WINDOW):
        outgoing.status = OutgoingEmail.Status.FAILED
        logger.error("email %s failed for good after %d attempts", outgoing.pk, outgoing.attempts)
    else:
        # The listening worker wakes for it (see seconds_to_next_due); the sweep otherwise.
        outgoing.next_attempt_at = now + retry_delay(outgoing.attempts)
    outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def mark_sent(outgoing, now):
    # Keep only what proves it was sent: the key, the kind and the time.
    outgoing.status = OutgoingEmail.Status.SENT
    outgoing.sent_at = now
    outgoing.recipient = ""
    outgoing.params = {}
    outgoing.save(update_fields=["status", "sent_at", "recipient", "params"])


def render(outgoing: OutgoingEmail) -> Rendered | None:
    """The message a row stands for, rendered now; None when what it is about is gone."""
    return KINDS[outgoing.kind].render(outgoing)


def deliver_due(*, limit=500, time_budget=50.0):
    """Render and send due messages one by one until none is left, the limit or the time budget.

    Returns the number sent. Safe to run in any number of workers at once.
    """
    return _deliver_due(limit=limit, time_budget=time_budget)[0]


def _deliver_due(*, limit=500, time_budget=50.0) -> tuple[int, bool]:
    """(number sent, whether the SMTP server was unreachable or broken)."""
    deadline = time.monotonic() + time_budget
    sent = 0
    server_down = False
    mailer = mail.mailers.default
    try:
        while sent < limit and time.monotonic() < deadline:
            with transaction.atomic():
                outgoing = (
                    OutgoingEmail.objects.due().select_for_update(skip_locked=True).order_by("next_attempt_at").first()
                )
                if outgoing is None:
                    break
                now = timezone.now()
                try:
                    rendered = render(outgoing)
                except Exception as error:
                    logger.exception("email %s (%s) could not be rendered", outgoing.pk, outgoing.kind)
                    record_failure(outgoing, error, now)
                    continue
                if rendered is None:
                    # What it was about is gone (withdrawn): nothing to send, nothing to keep.
                    outgoing.delete()
                    continue
                try:
                    # One connection for the whole batch, opened only when there is mail.
                    mailer.open()
                    mailer.send_messages([build_message(outgoing, rendered)])
                except Exception as error:  # noqa: BLE001 - any failure is retried, then recorded
                    logger.warning("email %s not sent: %s", outgoing.pk, type(error).__name__)
                    record_failure(outgoing, error, now)
                    if isinstance(error, MESSAGE_ERRORS):
                        continue
                    # The server is unreachable or broken: retry later, not now.
                    server_down = True
                    break
                mark_sent(outgoing, now)
                sent += 1
    finally:
        mailer.close()
    if sent:
        logger.info("sent %d emails", sent)
    return sent, server_down


# Set while this process's listener runs: it sweeps by itself, and one sender
# per process keeps a killed worker's duplicates to the one message in flight.
LISTENING = threading.Event()


@task()
def deliver_pending_emails():
    """Send what is due in the outbox: the periodic sweep, for workers that do not listen (``--no-emails``)."""
    if LISTENING.is_set():
        return 0
    return deliver_due()


def seconds_to_next_due(cap: float) -> float:
    """Seconds until the next pending row is due (a retry waiting), at most ``cap``."""
    next_at = (
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_at is None:
        return cap
    return min(max((next_at - timezone.now()).total_seconds(), 0.0), cap)


def listen_and_deliver(stop: threading.Event, *, sweep_seconds: float = 60.0, reconnect_seconds: float = 1.0) -> None:
    """Deliver due emails whenever PostgreSQL notifies a commit that queued some, until ``stop`` is set.

    Runs in a thread of ``manage.py db_worker``. LISTEN holds a connection of
    its own; sending uses this thread's Django connection. Whatever breaks
    (PostgreSQL restarted, SMTP away), it connects again and sweeps: the
    rows are the truth, a notification only saves waiting.
    """
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    LISTENING.set()
    try:
        _listen(stop, params, sweep_seconds, reconnect_seconds)
    finally:
        LISTENING.clear()


def _listen(stop: threading.Event, params: dict[str, Any], sweep_seconds: float, reconnect_seconds: float) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as listener:
                listener.execute(f"LISTEN {CHANNEL}")
                while not stop.is_set():
                    _sent, server_down = _deliver_due()
                    if server_down:
                        # Each row waits its back-off; the server is not tried again for every
                        # notification meanwhile (under load, that would be one try per signature).
                        _drain_until(listener, stop, time.monotonic() + retry_delay(1).total_seconds())
                        continue
                    _wait_for_notification(listener, stop, seconds_to_next_due(sweep_seconds))
        except (psycopg.Error, DatabaseError, OSError) as error:
            # PostgreSQL restarted or unreachable: the sweep on reconnecting catches up.
            logger.warning("outbox listener: %s; connecting again", type(error).__name__)
            stop.wait(reconnect_seconds)
        except Exception:
            logger.exception("outbox listener failed; starting again")
            stop.wait(reconnect_seconds)
        finally:
            connection.close()


def _wait_for_notification(listener: psycopg.Connection, stop: threading.Event, timeout: float) -> None:
    # Wakes at least every second to notice ``stop``; drains every pending notification at once.
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        ready, _, _ = select.select([listener.fileno()], [], [], min(remaining, 1.0))
        if ready:
            notified = False
            for _notify in listener.notifies(timeout=0):
                notified = True
            if notified:
                return
            # Readable but no notification: the server went away, or a keepalive.
            listener.execute("SELECT 1")


def _drain_until(listener: psycopg.Connection, stop: threading.Event, deadline: float) -> None:
    while not stop.is_set() and time.monotonic() < deadline:
        for _notify in listener.notifies(timeout=min(1.0, max(deadline - time.monotonic(), 0.01))):
            pass


def prune(*, now=None):
    """Forget sent and failed messages after the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EMAIL_RECORD_RETENTION_DAYS)
    deleted, _ = (
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.PENDING).filter(created_at__lt=cutoff).delete()
    )
    return deleted
