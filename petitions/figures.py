"""The petition's figures: per département, per day and per role, from the aggregate rows.

The triggers of migration 0006_signature_figures keep DepartementFigure,
DayFigure and RoleFigure exact in the transaction that confirms, withdraws or
erases a signature; reading them sums a few hundred rows whatever the number
of signatures, in one query, and the result is kept in this process's memory
for PETITION_COUNT_CACHE_SECONDS like the count (petitions.counter).

Every page, file and dossier takes its numbers from ``national()`` and
``departement(code)``: accepted paper signatures (organisations.PaperTally,
read in the same query) are added there and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaign.departements import ABROAD, DEPARTEMENTS, NAMES
from organisations.models import PaperTally
from petitions import counter
from petitions.counter import PetitionSnapshot
from petitions.models import (
    DayFigure,
    DepartementFigure,
    RoleFigure,
    RoleTally,
    Signature,
    SignatureTally,
    SignerRole,
)

CACHE_KEY = "petitions:figures:v1"

FIGURES_SQL = f"""
SELECT 'd', departement, NULL::date, sum(signatures) FROM {DepartementFigure._meta.db_table}
WHERE petition_id = %(petition)s GROUP BY departement HAVING sum(signatures) <> 0
UNION ALL
SELECT 'j', NULL, day, sum(signatures) FROM {DayFigure._meta.db_table}
WHERE petition_id = %(petition)s GROUP BY day HAVING sum(signatures) <> 0
UNION ALL
SELECT 'r', role, NULL, sum(signatures) FROM {RoleFigure._meta.db_table}
WHERE petition_id = %(petition)s GROUP BY role HAVING sum(signatures) <> 0
UNION ALL
SELECT 'p', departement, NULL, signatures FROM {PaperTally._meta.db_table} WHERE signatures <> 0
"""  # noqa: S608 - table names from the models; values are parameters


@dataclass(frozen=True)
class Breakdown:
    """A petition's confirmed signatures per département, per day and per role."""

    departements: dict[str, int] = field(default_factory=dict)
    days: tuple[tuple[date, int], ...] = ()
    roles: dict[str, int] = field(default_factory=dict)
    # Accepted paper signatures per département (organisations.PaperTally): they sign the
    # appeal, which is the featured petition's, so every petition's breakdown reads them.
    paper_departements: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Figures:
    """What the figures pages, the open data and the dossier show, as of ``counted_at``."""

    petition: PetitionSnapshot
    online: int
    departements: dict[str, int]
    days: tuple[tuple[date, int], ...]
    roles: dict[str, int]
    counted_at: datetime
    # Accepted signatures on paper per département.
    paper_departements: dict[str, int] = field(default_factory=dict)

    @property
    def paper(self) -> int:
        return sum(self.paper_departements.values())

    @property
    def total(self) -> int:
        return self.online + self.paper

    @property
    def goal(self) -> int:
        return self.petition.goal

    @property
    def percent(self) -> int:
        return min(100, self.total * 100 // self.goal) if self.goal else 0

    @property
    def abroad(self) -> int:
        return self.departement_total(ABROAD)

    def departement_total(self, code: str) -> int:
        return self.departements.get(code, 0) + self.paper_departements.get(code, 0)

    @property
    def departements_signed(self) -> int:
        """How many of the départements (DEPARTEMENTS) have at least one signature."""
        return sum(1 for code in DEPARTEMENTS if self.departement_total(code) > 0)

    def rank(self, code: str) -> int:
        """1 for the département with the most signatures; ties share a rank."""
        own = self.departement_total(code)
        return 1 + sum(1 for other in DEPARTEMENTS if self.departement_total(other) > own)

    def role_rows(self) -> list[tuple[str, str, int, int]]:
        """(code, label, signatures, percent of the online signatures) for each role, in the form's order."""
        online = sum(self.roles.values())
        return [
            (
                role.value,
                str(role.label),
                self.roles.get(role.value, 0),
                _percent(self.roles.get(role.value, 0), online),
            )
            for role in SignerRole
        ]

    def departement_rows(self) -> list[DepartementRow]:
        """Every département, then the collectivités and abroad that have signatures, in INSEE order."""
        rows = [
            DepartementRow(code, name, self.departement_total(code), self.rank(code))
            for code, name in DEPARTEMENTS.items()
        ]
        for code, name in NAMES.items():
            if code not in DEPARTEMENTS and self.departement_total(code):
                rows.append(DepartementRow(code, name, self.departement_total(code), None))
        return rows


@dataclass(frozen=True)
class DepartementRow:
    code: str
    name: str
    signatures: int
    rank: int | None


def _percent(part: int, whole: int) -> int:
    """Rounded half up (12.5 % is 13 %), as readers round."""
    return (part * 200 + whole) // (2 * whole) if whole else 0


def read_breakdown(petition_id: int) -> Breakdown:
    """The stored figures of a petition, in one query."""
    departements: dict[str, int] = {}
    days: list[tuple[date, int]] = []
    roles: dict[str, int] = {}
    paper: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, {"petition": petition_id})
        for kind, key, day, signatures in cursor.fetchall():
            if kind == "d":
                departements[key] = int(signatures)
            elif kind == "j":
                days.append((day, int(signatures)))
            elif kind == "p":
                paper[key] = int(signatures)
            else:
                roles[key] = int(signatures)
    return Breakdown(departements, tuple(sorted(days)), roles, paper)


def national(*, fresh: bool = False) -> Figures | None:
    """The featured petition's figures (None without one): from this process's cache unless ``fresh``."""
    if not fresh:
        cached = caches["local"].get(CACHE_KEY)
        if cached is not None:
            return cached["figures"]
    snapshot = counter.featured(fresh=fresh)
    figures = None
    if snapshot is not None:
        breakdown = read_breakdown(snapshot.id)
        figures = Figures(
            petition=snapshot,
            online=sum(breakdown.departements.values()),
            departements=breakdown.departements,
            days=breakdown.days,
            roles=breakdown.roles,
            counted_at=timezone.now(),
            paper_departements=breakdown.paper_departements,
        )
    caches["local"].set(CACHE_KEY, {"figures": figures}, timeout=settings.PETITION_COUNT_CACHE_SECONDS)
    return figures


@dataclass(frozen=True)
class DepartementFigures:
    code: str
    name: str
    signatures: int
    paper: int
    rank: int
    of: int
    national: Figures


def departement(code: str) -> DepartementFigures | None:
    """One département's figures, or None when ``code`` is not a département (or there is no petition)."""
    if code not in DEPARTEMENTS:
        return None
    figures = national()
    if figures is None:
        return None
    return DepartementFigures(
        code=code,
        name=DEPARTEMENTS[code],
        signatures=figures.departement_total(code),
        paper=figures.paper_departements.get(code, 0),
        rank=figures.rank(code),
        of=len(DEPARTEMENTS),
        national=figures,
    )


# Reconciliation: the stored figures against the rows counted one by one.


def true_breakdown(petition_id: int) -> Breakdown:
    """The figures counted from the confirmed signatures themselves, plus what erasure archived."""
    confirmed = Signature.objects.filter(petition_id=petition_id).confirmed().order_by()
    departements: dict[str, int] = {}
    for code, n in confirmed.values_list("departement").annotate(n=Count("pk")).values_list("departement", "n"):
        departements[code] = departements.get(code, 0) + n
    tallies = SignatureTally.objects.filter(petition_id=petition_id).order_by()
    for code, n in tallies.values_list("departement").annotate(n=Sum("signatures")).values_list("departement", "n"):
        departements[code] = departements.get(code, 0) + n
    days: dict[date, int] = {}
    day = TruncDate("confirmed_at", tzinfo=ZoneInfo(settings.TIME_ZONE))
    for when, n in confirmed.annotate(day=day).values_list("day").annotate(n=Count("pk")).values_list("day", "n"):
        days[when] = days.get(when, 0) + n
    for when, n in tallies.values_list("day").annotate(n=Sum("signatures")).values_list("day", "n"):
        days[when] = days.get(when, 0) + n
    roles: dict[str, int] = {}
    for role, n in confirmed.values_list("role").annotate(n=Count("pk")).values_list("role", "n"):
        roles[role] = n
    for role, n in RoleTally.objects.filter(petition_id=petition_id).values_list("role", "signatures"):
        roles[role] = roles.get(role, 0) + n
    return Breakdown(
        {key: n for key, n in departements.items() if n},
        tuple(sorted((key, n) for key, n in days.items() if n)),
        {key: n for key, n in roles.items() if n},
    )


@dataclass(frozen=True)
class FiguresReconciliation:
    petition_id: int
    stored: Breakdown
    actual: Breakdown

    @property
    def differs(self) -> bool:
        # Paper is reconciled by organisations.paper.reconcile, from the batches.
        return bool(self.differences())

    def differences(self) -> list[str]:
        """The names of the figures that differ: "département", "day", "role"."""
        names = []
        if self.stored.departements != self.actual.departements:
            names.append("département")
        if self.stored.days != self.actual.days:
            names.append("day")
        if self.stored.roles != self.actual.roles:
            names.append("role")
        return names


def reconcile(petition_id: int, *, fix: bool = True) -> FiguresReconciliation:
    """Compare a petition's figures with the signatures counted one by one; when ``fix``, set them right.

    Writers wait (SHARE lock on the signatures table) while the counting runs,
    so the comparison is exact.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Signature._meta.db_table} IN SHARE MODE")
        result = FiguresReconciliation(petition_id, read_breakdown(petition_id), true_breakdown(petition_id))
        if fix and result.differs:
            actual = result.actual
            DepartementFigure.objects.filter(petition_id=petition_id).delete()
            DayFigure.objects.filter(petition_id=petition_id).delete()
            RoleFigure.objects.filter(petition_id=petition_id).delete()
            DepartementFigure.objects.bulk_create(
                DepartementFigure(petition_id=petition_id, departement=code, shard=0, signatures=n)
                for code, n in actual.departements.items()
            )
            DayFigure.objects.bulk_create(
                DayFigure(petition_id=petition_id, day=day, shard=0, signatures=n) for day, n in actual.days
            )
            RoleFigure.objects.bulk_create(
                RoleFigure(petition_id=petition_id, role=role, shard=0, signatures=n)
                for role, n in actual.roles.items()
            )
    return result
