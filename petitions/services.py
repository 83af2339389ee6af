"""What happens to a signature: given, confirmed, withdrawn, pruned.

Every change is a transaction and the emails it causes are queued in it
(campaign.outbox), so a rolled-back signature sends nothing and
a committed one is never lost. The count follows through the database
triggers (petitions.models.SignatureCounter).
"""

import calendar
import enum
import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Func, IntegerField
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.db.models.sql import InsertQuery
from django.utils import timezone

from campaign.db import violated_constraint
from campaign.links import ExpiredLink, GoneLink, InvalidLink
from campaign.models import PageRevision
from campaign.outbox import queue, queue_sql
from petitions import emails, tokens
from petitions.addresses import normalise_email
from petitions.counter import PetitionSnapshot
from petitions.models import Petition, RoleTally, Signature, SignatureCounter, SignatureTally

logger = logging.getLogger(__name__)

ONE_PER_EMAIL = "petitions_signature_one_per_email"


class Outcome(enum.Enum):
    """What a submission did. Never shown: the signer sees the same page whatever it is."""

    CREATED = "created"
    CONFIRMATION_RESENT = "confirmation-resent"
    ALREADY_SIGNED_SENT = "already-signed-sent"
    NOTHING_SENT = "nothing-sent"


def queue_confirmation(signature: Signature, *, number: int = 0, language: str | None = None) -> None:
    queue(emails.CONFIRM, key=signature.email_key("confirm", number), about=signature, language=language)


def queue_already_signed(signature: Signature, *, number: int, language: str | None = None) -> None:
    queue(emails.ALREADY_SIGNED, key=signature.email_key("already", number), about=signature, language=language)


def current_appeal_revision(appeal_id: int) -> RawSQL:
    """The appeal's newest French revision, as a subquery evaluated by the INSERT itself."""
    sql, params = _current_appeal_revision_sql(appeal_id, settings.LANGUAGE_CODE)
    return RawSQL(f"({sql})", params)  # noqa: S611 - SQL compiled by the ORM, values as parameters


@functools.lru_cache(maxsize=16)
def _current_appeal_revision_sql(appeal_id: int, language: str) -> tuple[str, tuple[Any, ...]]:
    # Compiled once per process: compiling the ORM subquery for every
    # signature took longer than the INSERT itself (bench/README.md).
    revisions = PageRevision.objects.filter(page_id=appeal_id, language=language)
    return revisions.order_by("-created_at", "-pk").values("pk")[:1].query.sql_with_params()


def sign(
    petition: Petition | PetitionSnapshot,
    data: dict[str, Any],
    *,
    language: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Record a signature for ``petition`` (a snapshot) from the form's cleaned ``data``.

    A new address gets a pending signature and the confirmation email. A known
    one gets, within the reminder limits, the confirmation again (pending) or
    an "already signed" email (confirmed); an expired pending signature is
    replaced by the new one. Returns the Outcome.
    """
    normalised = normalise_email(data["email"])
    for _attempt in range(3):
        try:
            _create(petition, normalised, data, language=language, now=now or timezone.now())
            return Outcome.CREATED
        except IntegrityError as error:
            if violated_constraint(error) != ONE_PER_EMAIL:
                raise
        outcome = _sign_again(petition, normalised, data, language=language, now=now)
        if outcome is not None:
            return outcome
    # Three times the row vanished between our INSERT and our SELECT: someone
    # is withdrawing and signing in a loop. Nothing more to do.
    return Outcome.NOTHING_SENT


def _create(
    petition: Petition | PetitionSnapshot, normalised: str, data: dict[str, Any], *, language: str | None, now: datetime
) -> None:
    """The signature and its confirmation email, in one statement: one round trip, atomic by itself.

    Outside a transaction it runs in autocommit: no BEGIN, no COMMIT; inside
    one, under a savepoint, so that a known address (the unique constraint)
    leaves the caller's transaction usable.
    """
    signature = Signature(
        petition_id=petition.id,
        appeal_revision_id=current_appeal_revision(petition.appeal_id),
        email_normalised=normalised,
        created_at=now,
        **data,
    )
    sql, params = _create_sql(signature, language)
    if connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _create_sql(signature: Signature, language: str | None) -> tuple[str, list[Any]]:
    meta = Signature._meta
    query = InsertQuery(Signature)
    query.insert_values([f for f in meta.local_concrete_fields if not f.primary_key], [signature])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(insert, insert_params)] = compiler.as_sql()
    email, email_params = queue_sql(
        emails.CONFIRM,
        source="signature",
        id_column="signature.id",
        key=(Signature.EMAIL_KEY_PREFIX, ":confirm:0"),
        language=language,
    )
    return f"WITH signature AS ({insert}) {email}", [*insert_params, *email_params]


@transaction.atomic
def _sign_again(
    petition: Petition | PetitionSnapshot,
    normalised: str,
    data: dict[str, Any],
    *,
    language: str | None,
    now: datetime | None,
) -> Outcome | None:
    """The address has signed: decide under the row lock. None: the row is gone, try again."""
    now = now or timezone.now()
    existing = (
        Signature.objects.select_for_update().filter(petition_id=petition.id, email_normalised=normalised).first()
    )
    if existing is None:
        return None
    if existing.confirmation_expired(now):
        # Its link no longer works and it is about to be pruned: start afresh.
        Signature.objects.filter(pk=existing.pk).erase()
        _create(petition, normalised, data, language=language, now=now)
        return Outcome.CREATED
    if not may_remind(existing, now):
        return Outcome.NOTHING_SENT
    existing.reminders_sent += 1
    existing.last_reminded_at = now
    existing.save(update_fields=["reminders_sent", "last_reminded_at"])
    if existing.is_confirmed:
        queue_already_signed(existing, number=existing.reminders_sent, language=language)
        return Outcome.ALREADY_SIGNED_SENT
    queue_confirmation(existing, number=existing.reminders_sent, language=language)
    return Outcome.CONFIRMATION_RESENT


def may_remind(signature: Signature, now: datetime) -> bool:
    if signature.reminders_sent >= settings.SIGNATURE_REMINDER_MAX:
        return False
    last = signature.last_reminded_at
    return last is None or (now - last).total_seconds() >= settings.SIGNATURE_REMINDER_INTERVAL


def signature_for_confirmation(value: str, now: datetime | None = None) -> Signature:
    """The signature a confirmation link names; raises ExpiredLink or InvalidLink.

    A confirmed signature is found whatever the link's age (confirming is
    idempotent); a pending one only while its link is valid. A link whose
    time is up is told apart even after its unconfirmed signature was deleted.
    """
    read = tokens.read_confirmation_token(value)
    if read is None:
        raise InvalidLink
    signature = Signature.objects.select_related("petition").filter(token=read.token).first()
    if signature is not None and signature.is_confirmed:
        return signature
    now = now or timezone.now()
    if signature is not None:
        if signature.confirmation_expired(now):
            raise ExpiredLink
        return signature
    if (now - read.signed_at).total_seconds() >= settings.SIGNATURE_CONFIRMATION_DAYS * 86400:
        raise ExpiredLink
    raise InvalidLink


def confirm(signature: Signature, now: datetime | None = None) -> bool:
    """Confirm a pending signature; True if this call confirmed it (False: it already was, or is gone).

    One UPDATE, one round trip; the trigger counts it in the same statement.
    """
    now = now or timezone.now()
    # Found by primary key only. "AND confirmed_at IS NULL" lets the planner
    # choose the partial index of pending signatures, which it scans whole
    # when its statistics predate a burst of sign-ups: 11 ms per confirmation
    # instead of 0.1 (measured in bench/). num_nulls() asks the same of the
    # row without matching that index's predicate.
    pending = Func(F("confirmed_at"), function="num_nulls", output_field=IntegerField())
    updated = (
        Signature.objects.filter(pk=signature.pk).alias(pending=pending).filter(pending=1).update(confirmed_at=now)
    )
    if updated:
        signature.confirmed_at = now
    return updated == 1


def signature_for_withdrawal(value: str) -> Signature:
    """The signature a withdrawal link names; raises GoneLink (withdrawn already) or InvalidLink."""
    token = tokens.read_withdrawal_token(value)
    if token is None:
        raise InvalidLink
    signature = Signature.objects.select_related("petition", "appeal_revision").filter(token=token).first()
    if signature is None:
        raise GoneLink
    return signature


def withdraw(signature: Signature) -> bool:
    """Delete the signature, its queued emails, and with them every personal field. Idempotent."""
    return Signature.objects.filter(pk=signature.pk).erase() > 0


# ---------------------------------------------------------------------------
# Data retention (prune_signatures)
# ---------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def erasure_due_at(petition: Petition) -> datetime | None:
    if petition.closes_at is None:
        return None
    return add_months(petition.closes_at, settings.SIGNATURE_RETENTION_MONTHS)


@dataclass
class PruneReport:
    unconfirmed: int = 0
    erased: dict[str, int] = field(default_factory=dict)  # petition slug -> signatures erased

    def as_dict(self) -> dict[str, Any]:
        return {"unconfirmed": self.unconfirmed, "erased": self.erased}


def petitions_due_for_erasure(now: datetime) -> list[Petition]:
    due = []
    for petition in Petition.objects.filter(archived_at__isnull=True, closes_at__isnull=False):
        due_at = erasure_due_at(petition)
        if due_at is not None and due_at <= now:
            due.append(petition)
    return due


def prune(*, now: datetime | None = None, dry_run: bool = False) -> PruneReport:
    """Delete expired unconfirmed signatures, and erase the signers of petitions closed long enough."""
    now = now or timezone.now()
    report = PruneReport()
    expired = Signature.objects.expired(now)
    report.unconfirmed = expired.count() if dry_run else expired.erase()
    for petition in petitions_due_for_erasure(now):
        if dry_run:
            report.erased[petition.slug] = petition.signatures.count()
        else:
            report.erased[petition.slug] = archive(petition, now=now)
    if not dry_run and (report.unconfirmed or report.erased):
        logger.info("pruned signatures: %s", report.as_dict())
    return report


@transaction.atomic
def archive(petition: Petition, *, now: datetime | None = None) -> int:
    """Erase every signer of a closed petition, keeping the counts per département, day and role.

    The count shown does not move: what the triggers subtract as the rows go
    is added back, now held by the tallies (reconcile_counts counts them).
    Returns the number of signatures erased.
    """
    now = now or timezone.now()
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if petition.archived_at is not None:
        return 0
    day = TruncDate("confirmed_at", tzinfo=ZoneInfo(settings.TIME_ZONE))
    tallies = (
        petition.signatures.confirmed()
        .annotate(day=day)
        .values("day", "departement")
        .annotate(n=Count("pk"))
        .order_by("day", "departement")
    )
    rows = [
        SignatureTally(petition=petition, day=row["day"], departement=row["departement"], signatures=row["n"])
        for row in tallies
    ]
    SignatureTally.objects.bulk_create(rows, batch_size=1000)
    RoleTally.objects.bulk_create(
        RoleTally(petition=petition, role=row["role"], signatures=row["n"])
        for row in petition.signatures.confirmed().values("role").annotate(n=Count("pk")).order_by("role")
    )
    archived = sum(row.signatures for row in rows)
    with connection.cursor() as cursor:
        # The figures per département, day and role stay as they are (the
        # tallies now hold them): their trigger skips this transaction's
        # deletes until the setting is turned off again below.
        cursor.execute("SELECT set_config('petitions.keep_figures', 'on', true)")
    erased = petition.signatures.all().erase()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('petitions.keep_figures', 'off', true)")
    if archived:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {SignatureCounter._meta.db_table} AS c (petition_id, shard, confirmed, public, updated_at)
                VALUES (%s, 0, %s, 0, now())
                ON CONFLICT (petition_id, shard) DO UPDATE SET confirmed = c.confirmed + EXCLUDED.confirmed
                """,  # noqa: S608 - our table name
                [petition.pk, archived],
            )
    petition.archived_at = now
    petition.save(update_fields=["archived_at"])
    return erased
