"""Running the real site as separate processes, for the cluster and fault tests.

gunicorn and db_worker are started as a deployment would start them
(production settings, `deploy/gunicorn.conf.py`), against a PostgreSQL
database created for the test, with an aiosmtpd server on loopback.
"""

import html
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

from tests.conftest import SMTPServer, message_text

ROOT = Path(__file__).resolve().parents[2]
SERVER_POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = "redis://127.0.0.1:6379/13"


def create_server_database(prefix):
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **SERVER_POSTGRES) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_server_database(name):
    with psycopg.connect(dbname="postgres", autocommit=True, **SERVER_POSTGRES) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@dataclass
class Deployment:
    database_url: str
    smtp: SMTPServer
    cache_url: str | None = None
    logs: Path | None = None
    extra_env: dict = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    processes: list = field(default_factory=list)
    log_files: list = field(default_factory=list)

    def env(self, **overrides):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "CACHE_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "campaign.settings",
                "DEBUG": "0",
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": "http://127.0.0.1",
                "SECURE_SSL_REDIRECT": "0",
                "TRUSTED_PROXY_COUNT": "1",
                "DATABASE_URL": self.database_url,
                "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}?timeout=5",
                "EMAIL_RETRY_BASE_SECONDS": "1",
                "LOG_LEVEL": "WARNING",
            }
        )
        if self.cache_url:
            env["CACHE_URL"] = self.cache_url
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def manage(self, *arguments, **env):
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env(**env),
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def prepare(self):
        self.manage("migrate", "--noinput")
        self.manage("load_initial_content")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

    def _spawn(self, command, name, **env):
        output = subprocess.DEVNULL
        if self.logs is not None:
            output = (self.logs / f"{name}.log").open("ab")
            self.log_files.append(output)
        process = subprocess.Popen(command, cwd=ROOT, env=self.env(**env), stdout=output, stderr=output)
        self.processes.append(process)
        return process

    def start_web(self, port, workers=2):
        process = self._spawn(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "campaign.wsgi:application"],
            f"web-{port}",
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
        )
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=30, what=f"gunicorn on {port}")
        return process

    def start_worker(self, name):
        return self._spawn(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--worker-id", name],
            f"worker-{name}",
        )

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        for log in self.log_files:
            log.close()
        self.log_files.clear()


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def wait_for(condition, *, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    body: str
    headers: dict
    seconds: float


class Visitor:
    """A browser with a cookie jar, coming from ``ip`` through the trusted proxy."""

    def __init__(self, ip):
        self.ip = ip
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.lock = threading.Lock()

    def request(self, url, data=None):
        # Production cookies are Secure; on plain-HTTP loopback the jar would
        # keep them to itself. (In production a TLS proxy stands in front.)
        for cookie in self.jar:
            cookie.secure = False
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"X-Forwarded-For": self.ip})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(
                    response.status, response.read().decode(), dict(response.headers), time.monotonic() - started
                )
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), dict(error.headers), time.monotonic() - started)

    def form(self, url):
        """The hidden fields of the first POST form of a page (CSRF token, fill-time stamp)."""
        page = self.request(url)
        assert page.status == 200, (url, page.status)
        return {
            name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.body)
        }


def signature_data(hidden, number, *, email=None):
    return {
        **hidden,
        "first_name": "Zoé",
        "last_name": f"L'Hôte-Müller {number}",
        "email": email or f"signataire-{number}@example.org",
        "postcode": "38000",
        "role": "parent",
        "website_url": "",
    }


CONFIRM_LINK = re.compile(r"https?://[^\s]+/signer/confirmer/[^\s/]+/")


def confirmation_path(message):
    return urllib.parse.urlsplit(CONFIRM_LINK.search(message_text(message)).group(0)).path
