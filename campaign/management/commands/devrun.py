"""`make run`: the whole site on one machine, for development.

Prepares the database (starting the embedded PostgreSQL if needed), applies
migrations, loads the initial content, then runs the task worker and the
development server until Ctrl-C, and stops everything it started. Links in
emails point at this server: SITE_URL follows ``--addrport`` unless it is set.
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from campaign.processes import manage, supervise


def prepare(stdout):
    """Database up, schema current, initial content present. Shared with `serve`."""
    # Attaching to the database here makes this process the embedded
    # server's last user: it stops when this command ends.
    connection.ensure_connection()
    engine = settings.DATABASES["default"]["ENGINE"]
    where = "embedded PostgreSQL in var/postgres/" if engine == "campaign.embedded_backend" else "DATABASE_URL"
    stdout.write(f"Database: {where}")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_initial_content", stdout=stdout)
    connection.close()


def mail_target():
    mail = settings.MAILERS["default"]
    return mail["OPTIONS"].get("directory") or f"SMTP {mail['OPTIONS'].get('host')}"


def running_url(addrport):
    """The address a browser reaches a development server on: ``8005`` → ``http://127.0.0.1:8005``."""
    host, _, port = addrport.rpartition(":")
    if host in ("", "0", "0.0.0.0"):  # noqa: S104 - runserver's spellings of "every IPv4 interface"
        host = "127.0.0.1"
    elif host == "[::]":
        host = "[::1]"
    return f"http://{host}:{port}"


def point_links_at(url, environ):
    """Make the links the server and the worker write lead to ``url``; a warning when SITE_URL says otherwise."""
    given = environ.get("SITE_URL", "")
    if not given:
        environ["SITE_URL"] = url
        return None
    if given.rstrip("/") != url:
        return (
            f"SITE_URL is {given}, but this server runs on {url}/: links in emails and feeds lead to SITE_URL. "
            "Unset SITE_URL to make them lead here."
        )
    return None


class Command(BaseCommand):
    help = "Run the development server and the task worker (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        url = running_url(addrport)
        # Read by the server and the worker started below, which import the settings afresh.
        warning = point_links_at(url, os.environ)
        prepare(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"\nThe site runs on {url}/ — emails are written to {mail_target()}/")
            + "\nPress Ctrl-C to stop the server, the worker and the database.\n"
        )
        if warning:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}\n"))
        status = supervise(
            [manage("db_worker", "--no-reload"), manage("runserver", addrport)], self.stdout, self.stderr
        )
        if status:
            sys.exit(status)
