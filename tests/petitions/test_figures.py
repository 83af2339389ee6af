"""The figures per département, day and role: kept by triggers, checked against counts made independently."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.utils import timezone

from campaign.departements import DEPARTEMENTS
from petitions import figures, services
from petitions.models import DayFigure, DepartementFigure, Petition, RoleFigure, Signature
from tests.petitions.factories import make_petition, make_signature

PARIS = ZoneInfo("Europe/Paris")


def stored(petition):
    return figures.read_breakdown(petition.pk)


def counted_in_python(signatures):
    """The figures counted here, one signature at a time, without the database's help."""
    departements, days, roles = Counter(), Counter(), Counter()
    for signature in signatures:
        if signature.confirmed_at is None:
            continue
        departements[signature.departement] += 1
        days[signature.confirmed_at.astimezone(PARIS).date()] += 1
        roles[signature.role] += 1
    return figures.Breakdown(dict(departements), tuple(sorted(days.items())), dict(roles))


def test_confirming_changing_and_withdrawing_move_the_figures(petition):
    pending = make_signature(petition, confirmed=False, departement="2A", postcode="20000", role="enseignant")
    make_signature(petition, departement="974", postcode="97400", role="parent")
    today = timezone.localdate()
    assert stored(petition) == figures.Breakdown({"974": 1}, ((today, 1),), {"parent": 1})

    Signature.objects.filter(pk=pending.pk).update(confirmed_at=timezone.now())
    assert stored(petition) == figures.Breakdown({"974": 1, "2A": 1}, ((today, 2),), {"parent": 1, "enseignant": 1})

    Signature.objects.filter(pk=pending.pk).update(departement="2B", postcode="20200")
    assert stored(petition) == figures.Breakdown({"974": 1, "2B": 1}, ((today, 2),), {"parent": 1, "enseignant": 1})

    # A reminder sent changes no figure and writes no row.
    rows_before = DepartementFigure.objects.count() + DayFigure.objects.count() + RoleFigure.objects.count()
    Signature.objects.filter(pk=pending.pk).update(reminders_sent=1, last_reminded_at=timezone.now())
    assert DepartementFigure.objects.count() + DayFigure.objects.count() + RoleFigure.objects.count() == rows_before

    pending.delete()  # withdrawal lowers the figures
    assert stored(petition) == figures.Breakdown({"974": 1}, ((today, 1),), {"parent": 1})


def test_the_day_is_the_confirmation_day_in_paris(petition):
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
    make_signature(petition, confirmed_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    make_signature(petition, confirmed_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))

    assert stored(petition).days == ((date(2026, 3, 1), 1), (date(2026, 3, 2), 1))


def test_random_traffic_matches_an_independent_count(petition):
    """Many statements of every kind, in bulk and one by one, on two petitions."""
    other = make_petition()
    rng = random.Random(20261130)
    codes = ["38", "75", "2A", "2B", "971", "974", "977", "etranger"]
    roles = ["parent", "enseignant", "personnel", "autre"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    revision = petition.appeal.current_revision()
    rows = []
    for number in range(400):
        confirmed_at = start + timedelta(hours=rng.randrange(0, 24 * 20)) if rng.random() < 0.8 else None
        departement = rng.choice(codes)
        rows.append(
            Signature(
                petition=petition if number % 4 else other,
                first_name="A",
                last_name="B",
                email=f"s{number}@example.org",
                email_normalised=f"s{number}@example.org",
                postcode="" if departement == "etranger" else "38000",
                departement=departement,
                role=rng.choice(roles),
                appeal_revision=revision,
                created_at=start - timedelta(days=1),
                confirmed_at=confirmed_at,
            )
        )
    Signature.objects.bulk_create(rows)
    # Confirm some in one statement, withdraw others one by one and in bulk, move some.
    pending = list(Signature.objects.filter(confirmed_at__isnull=True).values_list("pk", flat=True))
    Signature.objects.filter(pk__in=pending[::2]).update(confirmed_at=start + timedelta(days=25))
    ids = list(Signature.objects.values_list("pk", flat=True))
    for pk in rng.sample(ids, 20):
        Signature.objects.filter(pk=pk).delete()
    Signature.objects.filter(
        pk__in=rng.sample(sorted(set(ids) & set(Signature.objects.values_list("pk", flat=True))), 30)
    ).erase()
    Signature.objects.filter(departement="971").update(departement="972")

    for each in (petition, other):
        assert stored(each) == counted_in_python(Signature.objects.filter(petition=each))
        assert figures.true_breakdown(each.pk) == stored(each)


def test_erasing_a_closed_petition_keeps_its_figures_and_reconcile_agrees(pages):
    closed = make_petition(
        slug="closed", opens_at=datetime(2026, 1, 5, tzinfo=UTC), closes_at=datetime(2026, 8, 31, 18, 0, tzinfo=UTC)
    )
    make_signature(closed, departement="38", role="parent", confirmed_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    make_signature(closed, departement="38", role="autre", confirmed_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    make_signature(
        closed, departement="etranger", postcode="", role="parent", confirmed_at=datetime(2026, 4, 2, 9, tzinfo=UTC)
    )
    make_signature(closed, confirmed=False, created_at=datetime(2026, 8, 30, tzinfo=UTC))
    before = stored(closed)

    with time_machine.travel(datetime(2027, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        services.prune()

    assert Signature.objects.filter(petition=closed).count() == 0
    assert Petition.objects.get(pk=closed.pk).archived_at is not None
    assert (
        stored(closed)
        == before
        == figures.Breakdown(
            {"38": 2, "etranger": 1},
            ((date(2026, 3, 1), 1), (date(2026, 3, 2), 1), (date(2026, 4, 2), 1)),
            {"parent": 2, "autre": 1},
        )
    )
    out = StringIO()
    call_command("reconcile_counts", "--check", stdout=out)
    assert out.getvalue() == "closed: 3 confirmed / 0 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"


def test_reconcile_counts_finds_and_fixes_wrong_figures(petition):
    make_signature(petition, departement="38", role="parent")
    make_signature(petition, departement="75", postcode="75011", role="enseignant")
    DepartementFigure.objects.filter(departement="75").update(signatures=40)
    RoleFigure.objects.filter(role="parent").delete()

    check, fix, again = StringIO(), StringIO(), StringIO()
    call_command("reconcile_counts", "--check", stdout=check)
    call_command("reconcile_counts", stdout=fix)
    call_command("reconcile_counts", "--check", stdout=again)

    slug = petition.slug
    assert check.getvalue() == (
        f"{slug}: 2 confirmed / 0 public, exact.\n"
        f"{slug}: figures per département, role differ from the signatures: not fixed (--check).\n"
        "paper: 0 accepted, exact.\n"
        "1 count(s) were wrong.\n"
    )
    assert fix.getvalue() == (
        f"{slug}: 2 confirmed / 0 public, exact.\n"
        f"{slug}: figures per département, role differ from the signatures: fixed.\n"
        "paper: 0 accepted, exact.\n"
        "1 count(s) were wrong.\n"
    )
    assert again.getvalue() == f"{slug}: 2 confirmed / 0 public, exact.\npaper: 0 accepted, exact.\nNothing to fix.\n"
    assert stored(petition).departements == {"38": 1, "75": 1}
    assert stored(petition).roles == {"parent": 1, "enseignant": 1}


def test_deleting_a_petition_leaves_no_figures(pages):
    doomed = make_petition()
    make_signature(doomed)

    doomed.delete()

    assert DepartementFigure.objects.count() == DayFigure.objects.count() == RoleFigure.objects.count() == 0


def test_national_figures_read_in_one_query_and_rank(petition, django_assert_num_queries):
    for code, count in [("38", 3), ("75", 3), ("2A", 1), ("etranger", 2)]:
        for _ in range(count):
            make_signature(petition, departement=code, postcode="" if code == "etranger" else "38000")
    figures.national(fresh=True)

    with django_assert_num_queries(0):
        national = figures.national()
    assert (national.online, national.total, national.paper, national.abroad) == (9, 9, 0, 2)
    assert national.departements_signed == 3
    assert [national.rank(code) for code in ("38", "75", "2A", "01")] == [1, 1, 3, 4]
    isere = figures.departement("38")
    assert (isere.name, isere.signatures, isere.rank, isere.of) == ("Isère", 3, 1, len(DEPARTEMENTS))
    assert figures.departement("99") is None
    assert figures.departement("etranger") is None
