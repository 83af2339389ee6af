"""`make run` (devrun): links in emails lead to the server that runs, whatever its address."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.conf import settings

from campaign.management.commands.devrun import point_links_at, running_url
from tests.campaign.factories import make_user
from tests.conftest import command_env, free_port, message_text


@pytest.mark.parametrize(
    ("addrport", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8005", "http://127.0.0.1:8005"),
        ("0:8005", "http://127.0.0.1:8005"),
        ("0.0.0.0:8005", "http://127.0.0.1:8005"),
        ("localhost:8005", "http://localhost:8005"),
        ("[::1]:8005", "http://[::1]:8005"),
        ("[::]:8005", "http://[::1]:8005"),
    ],
)
def test_the_running_address(addrport, url):
    assert running_url(addrport) == url


def test_without_site_url_links_lead_to_the_running_server():
    environ = {}

    assert point_links_at("http://127.0.0.1:8005", environ) is None
    assert environ == {"SITE_URL": "http://127.0.0.1:8005"}


def test_a_site_url_that_matches_is_kept_silently():
    environ = {"SITE_URL": "http://127.0.0.1:8005/"}

    assert point_links_at("http://127.0.0.1:8005", environ) is None
    assert environ == {"SITE_URL": "http://127.0.0.1:8005/"}


def test_another_site_url_is_kept_with_a_warning():
    environ = {"SITE_URL": "https://retrait-lsun.fr"}

    warning = point_links_at("http://127.0.0.1:8005", environ)

    assert warning == (
        "SITE_URL is https://retrait-lsun.fr, but this server runs on http://127.0.0.1:8005/: links in emails and "
        "feeds lead to SITE_URL. Unset SITE_URL to make them lead here."
    )
    assert environ == {"SITE_URL": "https://retrait-lsun.fr"}


def wait_for(url, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_devrun_on_another_port_emails_links_to_that_port(transactional_db, smtp_server):
    make_user("redaction@example.org")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "devrun", "--addrport", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=command_env(DEBUG="1", SECRET_KEY="devrun-test", EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the server, the worker and the reloader's child are stopped together
    )
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        wait_for(f"http://127.0.0.1:{port}/healthz")
        form = opener.open(f"http://127.0.0.1:{port}/compte/password/reset/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": "redaction@example.org"}).encode()
        opener.open(urllib.request.Request(f"http://127.0.0.1:{port}/compte/password/reset/", data=data)).read()

        [message] = smtp_server.wait_for(1, timeout=60)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=60)

    text = message_text(message)
    assert re.findall(r"https?://\S+", text) == [
        re.search(rf"http://127\.0\.0\.1:{port}/compte/password/reset/key/\S+/", text).group(0),
        f"http://127.0.0.1:{port}",
    ]
    assert f"The site runs on http://127.0.0.1:{port}/" in output
    assert "Warning" not in output
