"""Paper signatures: the printable sheet, the batches organisations enter, staff's review, the totals.

A batch is a claim by a known editor (or staff), made of counts per
département and never of names; staff accept or refuse it, and may later
withdraw an accepted one. Each decision runs in one transaction with its
audit log entry and the email it causes (``notify_editors``), and the
triggers of migration ``paper_batches`` move ``PaperTally`` in that same
transaction: the paper count is exact at every commit.

The petition's count adds ``accepted_total()`` to the online signatures
(``petitions.counter``); the figures read ``accepted_by_departement()``.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation

from campaign.audit import record_change
from campaign.models import AuditEntry, Page, PageRevision, User
from campaign.outbox import queue
from campaign.pdf import render_pdf
from campaign.qr import qr_svg
from campaign.site import absolute_url
from organisations import emails, sharing
from organisations.models import Organisation, PaperBatch, PaperBatchLine, PaperTally

# The staff-edited texts printed on the sheet (``campaign.models.Page``).
SUMMARY_PAGE = "feuille-resume"
PRIVACY_PAGE = "feuille-confidentialite"
# Numbered lines on one A4 sheet, with room for a signature on each.
SHEET_LINES = 15
SHEET_TEMPLATE = "organisations/paper_sheet.html"
# A new revision of a text changes the key; this only bounds what the cache keeps.
SHEET_CACHE_SECONDS = 24 * 3600


class InvalidTransition(ValueError):
    """The batch is not in a state this decision applies to (already reviewed, not accepted…)."""


# --- Totals -----------------------------------------------------------------


def accepted_by_departement() -> dict[str, int]:
    """Accepted paper signatures per département code ("38", "2A", "etranger"), départements with none left out."""
    return dict(
        PaperTally.objects.filter(signatures__gt=0).order_by("departement").values_list("departement", "signatures")
    )


def accepted_total() -> int:
    return PaperTally.objects.aggregate(n=Coalesce(Sum("signatures"), 0))["n"]


def accepted_for(organisation: Organisation) -> int:
    """Accepted paper signatures an organisation collected."""
    return organisation.paper_batches.accepted().aggregate(n=Coalesce(Sum("signatures"), 0))["n"]


def true_by_departement() -> dict[str, int]:
    """What ``PaperTally`` should hold, counted from the accepted batches' lines."""
    rows = (
        PaperBatchLine.objects.filter(batch__in=PaperBatch.objects.accepted())
        .values_list("departement")
        .annotate(n=Sum("signatures"))
        .order_by("departement")
    )
    return {departement: n for departement, n in rows if n}


@dataclass(frozen=True)
class PaperReconciliation:
    stored: dict[str, int]
    actual: dict[str, int]

    @property
    def differs(self) -> bool:
        return self.stored != self.actual

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())

    @property
    def actual_total(self) -> int:
        return sum(self.actual.values())


def reconcile(*, fix: bool = True) -> PaperReconciliation:
    """Compare the tallies with the accepted batches; when ``fix``, set them right.

    Decisions wait (SHARE lock on batches and lines) while counting, so the
    comparison is exact; readers do not.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {PaperBatch._meta.db_table}, {PaperBatchLine._meta.db_table} IN SHARE MODE")
        result = PaperReconciliation(accepted_by_departement(), true_by_departement())
        if fix and result.differs:
            PaperTally.objects.all().delete()
            now = timezone.now()
            PaperTally.objects.bulk_create(
                PaperTally(departement=code, signatures=n, updated_at=now) for code, n in result.actual.items()
            )
    return result


# --- Entering and reviewing -------------------------------------------------


def _describe(batch: PaperBatch) -> str:
    lines = ", ".join(f"{line.departement}: {line.signatures}" for line in batch.lines.all())
    return f"#{batch.pk} {batch.organisation.name} ({batch.collected_on:%Y-%m-%d}) — {lines}"


@transaction.atomic
def enter_batch(
    organisation: Organisation, *, collected_on: date, counts: dict[str, int], note: str = "", user: User
) -> PaperBatch:
    """Record a pending batch: ``counts`` maps département codes to signatures (the form checked the bounds).

    The database refuses a batch beyond the bounds anyway (check constraints,
    and at commit the lines' sum and number).
    """
    batch = PaperBatch.objects.create(
        organisation=organisation,
        collected_on=collected_on,
        signatures=sum(counts.values()),
        note=note,
        entered_by=user,
    )
    PaperBatchLine.objects.bulk_create(
        PaperBatchLine(batch=batch, departement=code, signatures=n) for code, n in sorted(counts.items()) if n
    )
    record_change(
        user, action=AuditEntry.Action.ENTER, instance=batch, description=_describe(batch), rows=batch.signatures
    )
    return batch


def _locked(batch: PaperBatch, *statuses: str) -> PaperBatch:
    locked = PaperBatch.objects.select_for_update().select_related("organisation").get(pk=batch.pk)
    if locked.status not in statuses:
        raise InvalidTransition(locked.status)
    return locked


@transaction.atomic
def accept(batch: PaperBatch, *, user: User) -> PaperBatch:
    """The batch counts from this commit on."""
    batch = _locked(batch, PaperBatch.Status.PENDING)
    batch.status = PaperBatch.Status.ACCEPTED
    batch.reviewed_at = timezone.now()
    batch.save(update_fields=["status", "reviewed_at"])
    record_change(
        user, action=AuditEntry.Action.ACCEPT, instance=batch, description=_describe(batch), rows=batch.signatures
    )
    return batch


@transaction.atomic
def refuse(batch: PaperBatch, *, user: User, reason: str) -> PaperBatch:
    """The batch never counts; the editors receive the reason."""
    batch = _locked(batch, PaperBatch.Status.PENDING)
    batch.status = PaperBatch.Status.REFUSED
    batch.reviewed_at = timezone.now()
    batch.reason = reason
    batch.save(update_fields=["status", "reviewed_at", "reason"])
    record_change(
        user, action=AuditEntry.Action.REFUSE, instance=batch, description=_describe(batch), rows=batch.signatures
    )
    notify_editors(batch, emails.PAPER_BATCH_REFUSED)
    return batch


@transaction.atomic
def withdraw(batch: PaperBatch, *, user: User, reason: str) -> PaperBatch:
    """An accepted batch stops counting from this commit on; the editors receive the reason."""
    batch = _locked(batch, PaperBatch.Status.ACCEPTED)
    batch.status = PaperBatch.Status.WITHDRAWN
    batch.withdrawn_at = timezone.now()
    batch.reason = reason
    batch.save(update_fields=["status", "withdrawn_at", "reason"])
    record_change(
        user, action=AuditEntry.Action.WITHDRAW, instance=batch, description=_describe(batch), rows=batch.signatures
    )
    notify_editors(batch, emails.PAPER_BATCH_WITHDRAWN)
    return batch


def notify_editors(batch: PaperBatch, kind: str) -> None:
    """Email staff's decision on ``batch`` to its organisation's editors: the one place paper emails are queued."""
    editors = User.objects.filter(memberships__organisation=batch.organisation, is_active=True).order_by("pk")
    for editor in editors:
        queue(kind, key=f"{kind}:{batch.pk}:{editor.pk}", about=batch, to=editor.email)


# --- The sheet --------------------------------------------------------------


def sheet_url(organisation: Organisation | None = None) -> str:
    """Where the sheet's QR code leads: the organisation's sharing link, or the signing page on the public sheet."""
    if organisation is not None:
        return sharing.share_url(organisation)
    return absolute_url(reverse("petitions:sign"))


def public_sheet_pdf() -> bytes:
    """The sheet for everyone, drawn once per version of its texts and kept in the shared cache."""
    language = settings.LANGUAGE_CODE
    revisions = [PageRevision.objects.current(slug, language) for slug in (SUMMARY_PAGE, PRIVACY_PAGE, Page.APPEAL)]
    version = "-".join(str(revision.pk if revision else 0) for revision in revisions)
    digest = hashlib.sha256(sheet_url().encode()).hexdigest()[:16]
    key = f"paper:sheet:v1:{version}:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = sheet_pdf()
        cache.set(key, pdf, timeout=SHEET_CACHE_SECONDS)
    return pdf


def sheet_context(organisation: Organisation | None = None) -> dict[str, object]:
    """What the sheet's template (``organisations/paper_sheet.html``) shows, in the current language."""
    language = translation.get_language()
    url = sheet_url(organisation)
    return {
        "organisation": organisation,
        "summary": PageRevision.objects.current(SUMMARY_PAGE, language),
        "privacy": PageRevision.objects.current(PRIVACY_PAGE, language),
        "appeal": PageRevision.objects.current(Page.APPEAL, language),
        "sign_url": url,
        "qr": qr_svg(url, scale=3),
        "lines": range(1, SHEET_LINES + 1),
    }


def sheet_pdf(organisation: Organisation | None = None) -> bytes:
    """The A4 sheet, in French (the appeal people sign is the French text), for everyone or for ``organisation``."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(SHEET_TEMPLATE, sheet_context(organisation))
