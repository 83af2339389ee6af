"""Fill the benchmark database as on the campaign's busiest day.

1,000,000 confirmed signatures, 200 approved organisations and 500 published
posts by default, in a few SQL statements (generate_series) so the load takes
well under two minutes. It replaces what an earlier seed left: run it again
to start from the same state. `make bench-seed` runs it against the
`campaign_bench` database of the embedded server (or DATABASE_URL's).

The signatures go in through the ordinary table and its triggers, so the
count shards hold the exact total, as after a real campaign.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from campaign.antispam import form_timestamp  # noqa: E402
from campaign.models import OutgoingEmail, Page, PageRevision  # noqa: E402
from campaign.outbox import queue_sql  # noqa: E402
from news.models import Post  # noqa: E402
from organisations.models import Organisation  # noqa: E402
from petitions import emails, tokens  # noqa: E402
from petitions.models import Petition, Signature, SignatureCounter  # noqa: E402

BENCH_DOMAIN = "bench.invalid"
ORGANISATION_PREFIX = "bench-org-"
POST_PREFIX = "bench-post-"

# (postcode, département): a spread of places, Corsica and overseas included.
PLACES = [
    ("75011", "75"),
    ("31000", "31"),
    ("69001", "69"),
    ("13001", "13"),
    ("82000", "82"),
    ("59000", "59"),
    ("20000", "2A"),
    ("97400", "974"),
]

SIGNATURES_SQL = f"""
INSERT INTO {Signature._meta.db_table} (
    petition_id, first_name, last_name, email, email_normalised, postcode, departement, role,
    show_name, wants_news, appeal_revision_id, created_at, confirmed_at, token, reminders_sent
)
SELECT %(petition)s, 'Prénom' || g, 'Nom' || g, 'signataire' || g || '@{BENCH_DOMAIN}',
       'signataire' || g || '@{BENCH_DOMAIN}', (%(postcodes)s::text[])[1 + g %% %(places)s],
       (%(departements)s::text[])[1 + g %% %(places)s],
       (ARRAY['parent', 'enseignant', 'personnel', 'autre'])[1 + g %% 4],
       g %% 3 = 0, g %% 5 = 0, %(revision)s, stamp, stamp + interval '5 minutes', md5(g::text || %(salt)s), 0
FROM generate_series(%(start)s, %(stop)s) AS g,
     LATERAL (SELECT now() - interval '60 days' * (g::float / %(total)s)) AS s (stamp)
"""  # noqa: S608 - table name from the model; values are parameters


def seed_signatures(petition, revision, total, batch):
    # A truncation of both tables keeps the shards equal to the signatures
    # (TRUNCATE fires no row trigger); it is the benchmark's own database,
    # and CASCADE empties what refers to signatures (news deliveries).
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Signature._meta.db_table}, {SignatureCounter._meta.db_table}, "
            f"{OutgoingEmail._meta.db_table}, {DBTaskResult._meta.db_table} CASCADE"
        )
    salt = str(time.time())
    for start in range(1, total + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                SIGNATURES_SQL,
                {
                    "petition": petition.pk,
                    "revision": revision.pk,
                    "postcodes": [postcode for postcode, _ in PLACES],
                    "departements": [departement for _, departement in PLACES],
                    "places": len(PLACES),
                    "start": start,
                    "stop": min(start + batch - 1, total),
                    "total": total,
                    "salt": salt,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Signature._meta.db_table}")


PENDING_SQL = f"""
INSERT INTO {Signature._meta.db_table} (
    petition_id, first_name, last_name, email, email_normalised, postcode, departement, role,
    show_name, wants_news, appeal_revision_id, created_at, token, reminders_sent
)
SELECT %(petition)s, 'Prénom', 'Nom', %(prefix)s || g || '@{BENCH_DOMAIN}', %(prefix)s || g || '@{BENCH_DOMAIN}',
       '75011', '75', 'parent', g %% 3 = 0, false, %(revision)s, now(), md5(%(prefix)s || g), 0
FROM generate_series(1, %(count)s) AS g
RETURNING token, created_at
"""  # noqa: S608 - table name from the model; values are parameters


def pending_signatures(count, prefix, path):
    """``count`` signatures waiting for confirmation; their links' tokens written to ``path``."""
    petition = Petition.objects.featured().get()
    revision = PageRevision.objects.current(Page.APPEAL)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            PENDING_SQL, {"petition": petition.pk, "revision": revision.pk, "prefix": prefix, "count": count}
        )
        rows = cursor.fetchall()
    links = (tokens.confirmation_token(SimpleNamespace(token=token, created_at=created)) for token, created in rows)
    Path(path).write_text("".join(f"{link}\n" for link in links))


def queued_emails(count, prefix):
    """``count`` unconfirmed signatures, each with its confirmation email queued, in one transaction."""
    petition = Petition.objects.featured().get()
    revision = PageRevision.objects.current(Page.APPEAL)
    email_sql, email_params = queue_sql(
        emails.CONFIRM, source="pending", id_column="pending.id", key=(Signature.EMAIL_KEY_PREFIX, ":confirm:0")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        sql = f"WITH pending AS ({_positional(PENDING_SQL)}) {email_sql}"
        cursor.execute(sql, [petition.pk, prefix, prefix, revision.pk, prefix, count, *email_params])
    return count


def _positional(sql):
    # PENDING_SQL with positional parameters, in the order they appear, and RETURNING the ids.
    sql = sql.replace("RETURNING token, created_at", "RETURNING id")
    for name in ("petition", "prefix", "revision", "count"):
        sql = sql.replace(f"%({name})s", "%s")
    return sql


def form_stamps(count, path):
    """``count`` stamps of forms shown 10 s ago, URL-encoded: what ``count`` browsers would send."""
    shown_at = time.time() - 10
    Path(path).write_text("".join(f"{quote(form_timestamp(shown_at), safe='')}\n" for _ in range(count)))


def seed_organisations(count):
    Post.objects.filter(slug__startswith=POST_PREFIX).delete()
    Organisation.objects.filter(slug__startswith=ORGANISATION_PREFIX).delete()
    now = timezone.now()
    kinds = Organisation.Kind.values
    Organisation.objects.bulk_create(
        Organisation(
            name=f"Organisation signataire {number}",
            slug=f"{ORGANISATION_PREFIX}{number}",
            kind=kinds[number % len(kinds)],
            scope="national",
            description="Organisation créée pour les mesures de performance.",
            status=Organisation.Status.APPROVED,
            approved_at=now,
        )
        for number in range(1, count + 1)
    )
    return list(Organisation.objects.filter(slug__startswith=ORGANISATION_PREFIX))


def seed_posts(count, organisations):
    now = timezone.now()
    body = "\n\n".join(
        [
            "Le **LSUN** conserve des données sensibles sur les enfants.",
            "- les PAI, PPS et PAP ;\n- les absences ;\n- les appréciations de comportement.",
            "Signez l'appel et faites-le connaître autour de vous.",
        ]
    )
    for number in range(1, count + 1):
        Post(
            title=f"Actualité de la campagne {number}",
            slug=f"{POST_PREFIX}{number}",
            summary=f"Résumé de l'actualité {number}.",
            body=body,
            organisation=organisations[number % len(organisations)] if number % 4 else None,
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(hours=number),
            updated_at=now - timedelta(hours=number),
        ).save()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--batch", type=int, default=250_000)
    parser.add_argument(
        "--pending",
        nargs=3,
        metavar=("COUNT", "PREFIX", "FILE"),
        help="only add COUNT unconfirmed signatures (addresses PREFIX<n>@...) and write their links' tokens to FILE",
    )
    parser.add_argument(
        "--stamps",
        nargs=2,
        metavar=("COUNT", "FILE"),
        help="only write COUNT anti-robot stamps of the signing form (each good for one submission) to FILE",
    )
    parser.add_argument(
        "--emails",
        nargs=2,
        metavar=("COUNT", "PREFIX"),
        help="only add COUNT unconfirmed signatures (addresses PREFIX<n>@...) with their confirmation emails queued",
    )
    parser.add_argument("--force", action="store_true", help="seed a database whose name does not say bench")
    args = parser.parse_args()
    if args.stamps:
        count, path = args.stamps
        form_stamps(int(count), path)
        return
    database = connection.settings_dict["NAME"]
    if "bench" not in database and not args.force:
        # The seed empties the signatures table: never someone's real one by mistake.
        raise SystemExit(f"refusing to seed {database!r}: use a database named *bench* (make bench-seed) or --force")
    if args.emails:
        count, prefix = args.emails
        queued_emails(int(count), prefix)
        return
    if args.pending:
        count, prefix, path = args.pending
        pending_signatures(int(count), prefix, path)
        return

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_initial_content", verbosity=0)
    petition = Petition.objects.featured().get()
    revision = PageRevision.objects.current(Page.APPEAL)
    seed_signatures(petition, revision, args.signatures, args.batch)
    organisations = seed_organisations(args.organisations)
    seed_posts(args.posts, organisations)
    confirmed = Signature.objects.confirmed().count()
    counted = sum(SignatureCounter.objects.values_list("confirmed", flat=True))
    elapsed = time.monotonic() - started
    print(
        f"seeded {confirmed} confirmed signatures (counter: {counted}), {len(organisations)} organisations, "
        f"{args.posts} posts in {elapsed:.1f} s"
    )
    if confirmed != counted:
        raise SystemExit("the counter does not match the signatures")


if __name__ == "__main__":
    main()
