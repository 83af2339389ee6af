"""The count of a petition: read from the counter shards, served from the cache.

Reading the count sums the few shard rows that the database triggers keep
(see SignatureCounter); the result, with what pages need of the featured
petition, is kept in this process's memory (the ``local`` cache) for
PETITION_COUNT_CACHE_SECONDS. A page view therefore costs one read in memory,
and one small query every few seconds per process, whatever the number of
signatures.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Count, Func, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from organisations.models import Organisation, PaperTally
from petitions.models import Petition, Signature, SignatureCounter, SignatureTally

CACHE_KEY = "petitions:featured:v1"


@dataclass(frozen=True)
class PetitionSnapshot:
    """What public pages show of the featured petition, as of ``taken_at``."""

    id: int
    title: str
    slug: str
    goal: int
    opens_at: datetime
    closes_at: datetime | None
    archived_at: datetime | None
    appeal_id: int
    # The public count: confirmed online signatures plus accepted paper ones.
    signatures: int
    online: int
    paper: int
    public: int
    organisations: int
    updated_at: datetime

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)

    def is_closed(self, now=None):
        return self.closes_at is not None and (now or timezone.now()) >= self.closes_at

    @property
    def hidden(self):
        """Confirmed online signers who chose not to appear in the public list."""
        return max(self.online - self.public, 0)

    @property
    def percent(self):
        return min(100, self.signatures * 100 // self.goal) if self.goal else 0


# One round trip, in SQL: the ORM spends more time building the equivalent
# subqueries than PostgreSQL spends answering them. Which organisations count
# is still said once, by Organisation.objects.approved(), compiled into it.
FEATURED_SQL = f"""
SELECT p.id, p.title, p.slug, p.goal, p.opens_at, p.closes_at, p.archived_at, p.appeal_id,
       c.confirmed, c.public, c.updated_at, ({{organisations}}), paper.signatures, paper.updated_at
FROM {Petition._meta.db_table} p
CROSS JOIN LATERAL (
    SELECT coalesce(sum(confirmed), 0), coalesce(sum(public), 0), max(updated_at)
    FROM {SignatureCounter._meta.db_table} WHERE petition_id = p.id
) AS c (confirmed, public, updated_at)
-- Paper signatures are signatures of the appeal: they count for the featured petition.
CROSS JOIN (
    SELECT coalesce(sum(signatures), 0), max(updated_at) FROM {PaperTally._meta.db_table}
) AS paper (signatures, updated_at)
WHERE p.featured
"""  # noqa: S608 - table names from the models; values are parameters


def _read_featured():
    """The featured petition with its count (online and paper) and the number of approved organisations."""
    organisations = Organisation.objects.approved().order_by().values(n=Func("pk", function="COUNT"))
    organisations_sql, params = organisations.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(FEATURED_SQL.replace("{organisations}", organisations_sql), params)
        row = cursor.fetchone()
    if row is None:
        return None
    (
        pk,
        title,
        slug,
        goal,
        opens_at,
        closes_at,
        archived_at,
        appeal_id,
        confirmed,
        public,
        last_change,
        organisations,
        paper_signatures,
        paper_change,
    ) = row
    changes = [moment for moment in (last_change, paper_change) if moment is not None]
    return PetitionSnapshot(
        id=pk,
        title=title,
        slug=slug,
        goal=goal,
        opens_at=opens_at,
        closes_at=closes_at,
        archived_at=archived_at,
        appeal_id=appeal_id,
        signatures=int(confirmed) + int(paper_signatures),
        online=int(confirmed),
        paper=int(paper_signatures),
        public=int(public),
        organisations=organisations,
        updated_at=max(changes, default=opens_at),
    )


def featured(*, fresh=False):
    """The featured petition's snapshot (or None): from the cache unless ``fresh``.

    A fresh read is stored in the cache too, so the page that follows a
    confirmation and the pages after it agree.
    """
    if not fresh:
        cached = caches["local"].get(CACHE_KEY)
        if cached is not None:
            return cached["snapshot"]
    snapshot = _read_featured()
    caches["local"].set(CACHE_KEY, {"snapshot": snapshot}, timeout=settings.PETITION_COUNT_CACHE_SECONDS)
    return snapshot


def stored_counts(petition_id):
    """(confirmed, public) according to the counter shards."""
    totals = SignatureCounter.objects.filter(petition_id=petition_id).aggregate(
        confirmed=Coalesce(Sum("confirmed"), 0), public=Coalesce(Sum("public"), 0)
    )
    return totals["confirmed"], totals["public"]


def true_counts(petition_id):
    """(confirmed, public) counted from the rows themselves, plus what erasure archived."""
    rows = Signature.objects.filter(petition_id=petition_id).aggregate(
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        public=Count("pk", filter=Q(confirmed_at__isnull=False, show_name=True)),
    )
    archived = SignatureTally.objects.filter(petition_id=petition_id).aggregate(n=Coalesce(Sum("signatures"), 0))["n"]
    return rows["confirmed"] + archived, rows["public"]


@dataclass(frozen=True)
class Reconciliation:
    petition: Petition
    stored: tuple[int, int]
    actual: tuple[int, int]

    @property
    def differs(self):
        return self.stored != self.actual


def reconcile(petition, *, fix=True):
    """Compare a petition's counters with COUNT(*); when ``fix``, set them right.

    Writers wait (SHARE lock on the signatures table) while the counting
    runs, so the comparison is exact; readers do not.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Signature._meta.db_table} IN SHARE MODE")
        stored = stored_counts(petition.pk)
        actual = true_counts(petition.pk)
        result = Reconciliation(petition, stored, actual)
        if fix and result.differs:
            SignatureCounter.objects.filter(petition=petition).delete()
            SignatureCounter.objects.create(petition=petition, shard=0, confirmed=actual[0], public=actual[1])
    return result
