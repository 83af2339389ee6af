"""The outbox: emails are rows written in the caller's transaction, sent by the worker.

Why a table and not a task per email: the row is the idempotence record. A
rolled-back transaction leaves no row, so nothing is sent; a committed one is
never lost, because any worker (or the periodic sweep) picks up due rows.

Sending takes a row lock with SKIP LOCKED, sends over SMTP, and marks the row
sent in the same transaction, so two workers never send the same row. The one
window left is a worker dying after the SMTP server accepted the message and
before the commit; the deterministic Message-ID lets receiving servers
discard that duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import time
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaign.models import OutgoingEmail

logger = logging.getLogger(__name__)

# Refusals that concern one message only: the next message may well go through.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


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


def queue_email(*, key, to, template, context, headers=None, language=None, wake=True):
    """Add a message to the outbox in the current transaction; return it.

    ``key`` names the logical message (``"signature-confirm:42:1"``); queueing
    the same key again returns the existing row and sends nothing more.
    The worker is woken when the transaction commits; a caller queueing many
    messages passes ``wake=False`` and calls ``wake_worker()`` once.
    """
    subject, text, html = render_email(template, context, language)
    message = OutgoingEmail(
        key=key, recipient=to, subject=subject, body_text=text, body_html=html, headers=headers or {}
    )
    created = _insert_unless_queued(message)
    if created and wake:
        wake_worker()
    return message if created else OutgoingEmail.objects.get(key=key)


def _insert_unless_queued(message):
    """INSERT ... ON CONFLICT (key) DO NOTHING: True and the primary key set if the row is new.

    One round trip on the signing path, where get_or_create took four
    (SELECT, SAVEPOINT, INSERT, RELEASE) and a sixth of the request (bench/).
    """
    meta, quote = OutgoingEmail._meta, connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(message, add=True), connection) for field in fields]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
        f"ON CONFLICT ({quote(cast(str, meta.get_field('key').column))}) DO NOTHING "
        f"RETURNING {quote(cast(str, meta.pk.column))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    return True


def wake_worker(run_after=None):
    task = deliver_pending_emails if run_after is None else deliver_pending_emails.using(run_after=run_after)
    task.enqueue()


def message_id(key):
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(outgoing):
    message = mail.EmailMultiAlternatives(
        subject=outgoing.subject,
        body=outgoing.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outgoing.recipient],
        headers={"Message-ID": message_id(outgoing.key), **outgoing.headers},
    )
    if outgoing.body_html:
        message.attach_alternative(outgoing.body_html, "text/html")
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
        outgoing.next_attempt_at = now + retry_delay(outgoing.attempts)
        wake_worker(run_after=outgoing.next_attempt_at)
    outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def mark_sent(outgoing, now):
    # Keep only what proves it was sent: the key and the time.
    outgoing.status = OutgoingEmail.Status.SENT
    outgoing.sent_at = now
    outgoing.recipient = ""
    outgoing.subject = ""
    outgoing.body_text = ""
    outgoing.body_html = ""
    outgoing.headers = {}
    outgoing.save()


def deliver_due(*, limit=500, time_budget=50.0):
    """Send due messages one by one until none is left, the limit or the time budget.

    Returns the number sent. Safe to run in any number of workers at once.
    """
    deadline = time.monotonic() + time_budget
    sent = 0
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
                    # One connection for the whole batch, opened only when there is mail.
                    mailer.open()
                    mailer.send_messages([build_message(outgoing)])
                except Exception as error:  # noqa: BLE001 - any failure is retried, then recorded
                    logger.warning("email %s not sent: %s", outgoing.pk, type(error).__name__)
                    record_failure(outgoing, error, now)
                    if isinstance(error, MESSAGE_ERRORS):
                        continue
                    # The server is unreachable or broken: retry later, not now.
                    break
                mark_sent(outgoing, now)
                sent += 1
    finally:
        mailer.close()
    if sent:
        logger.info("sent %d emails", sent)
    return sent


@task()
def deliver_pending_emails():
    """Send what is due in the outbox. Enqueued on every queued email and every minute.

    Defined here, beside what enqueues it (``wake_worker``).
    """
    return deliver_due()


def prune(*, now=None):
    """Forget sent and failed messages after the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EMAIL_RECORD_RETENTION_DAYS)
    deleted, _ = (
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.PENDING).filter(created_at__lt=cutoff).delete()
    )
    return deleted
