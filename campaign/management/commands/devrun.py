"""`make run`: the whole site on one machine, for development.

Prepares the database (starting the embedded PostgreSQL if needed), applies
migrations, loads the initial content, then runs the task worker and the
development server until Ctrl-C, and stops everything it started.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Run the development server and the task worker (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # Attaching to the database here makes this process the embedded
        # server's last user: it stops when this command ends.
        connection.ensure_connection()
        engine = settings.DATABASES["default"]["ENGINE"]
        where = "embedded PostgreSQL in var/postgres/" if engine == "campaign.embedded_backend" else "DATABASE_URL"
        self.stdout.write(f"Database: {where}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_initial_content")
        connection.close()

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            subprocess.Popen([*manage, "db_worker", "--no-reload"]),  # noqa: S603 - our own manage.py
            subprocess.Popen([*manage, "runserver", addrport]),  # noqa: S603
        ]
        mail = settings.MAILERS["default"]
        mail_target = mail["OPTIONS"].get("directory") or f"SMTP {mail['OPTIONS'].get('host')}"
        self.stdout.write(
            self.style.SUCCESS(f"\nThe site runs on http://{addrport}/ — emails are written to {mail_target}/")
            + "\nPress Ctrl-C to stop the server, the worker and the database.\n"
        )

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        status = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"{child.args[2]} stopped (exit {child.returncode}); stopping everything.")
                    status = child.returncode or 1
                    stopping = True
            time.sleep(0.2)

        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped.")
        if status:
            sys.exit(status)
