"""Fixtures shared by the whole suite: content, the task worker, SMTP, the browser."""

import os
import socket
import threading
import uuid
from email import message_from_bytes, policy
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from campaign.http_cache import generation_watcher, page_store
from campaign.initial_content import load_pages
from campaign.shared_cache import PostgresCache


def use_own_cache(settings):
    """A cache of one's own for the test (rate-limit counters, used TOTP codes), without flushing a shared Redis."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()
    }


def _empty_caches():
    # The PostgreSQL cache is a table: rolled back or flushed after each test like every other.
    for cache in caches.all():
        if not isinstance(cache, PostgresCache):
            cache.clear()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches (counts, rate limits): no state leaks between tests."""
    _empty_caches()
    yield
    _empty_caches()


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no page cached in this process."""
    page_store.clear()
    generation_watcher.reset()
    yield
    page_store.clear()
    generation_watcher.reset()


@pytest.fixture
def pages(db):
    """The appeal, privacy and legal pages, as `make run` loads them."""
    load_pages()


@pytest.fixture
def run_tasks(db, monkeypatch):
    """Run every task that is ready, as `db_worker` would, then return."""
    # The worker closes "obsolete" connections between tasks; inside a test's
    # transaction that would be the test's own connection.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0, scheduler=False)

    return run


class SMTPRecorder:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.received = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 OK"

    def wait_for(self, count, timeout=10.0):
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer(SMTPRecorder):
    """A real SMTP server on 127.0.0.1 that tests can stop and start again."""

    def __init__(self):
        super().__init__()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server; the site's default mailer points to it."""
    server = SMTPServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


def message_text(message):
    """The plain-text part of a received email, with Unix line ends."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def message_html(message):
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


def command_env(**overrides):
    """The environment of a command run as a separate process (``make staff``, ``manage.py devrun``) on the
    test's database: the embedded server's, or DATABASE_URL's server; the project's settings, not the suite's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "SITE_URL", "EMAIL_URL"}
    }
    name = connection.settings_dict["NAME"]
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path=f"/{name}"))
    else:
        env["EMBEDDED_DATABASE_NAME"] = name
    return {**env, **overrides}
