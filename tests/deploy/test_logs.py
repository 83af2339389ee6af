"""The shipped proxy and gunicorn configurations log no client address and no secret link."""

import json
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.campaign.test_log import SECRET, secret_paths

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# What nginx may write per request: nothing that names the client, the query or a token.
NGINX_ALLOWED_VARIABLES = {
    "time_iso8601",
    "request_id",
    "request_method",
    "campaign_log_path",
    "status",
    "body_bytes_sent",
    "request_time",
}


def nginx_config():
    return (DEPLOY / "nginx.conf").read_text()


def nginx_blocks(config, keyword):
    """The bodies of top-level ``keyword … { … }`` blocks (no nested braces in their values)."""
    bodies, depth, start = [], 0, None
    for match in re.finditer(r"\{|\}", config):
        if match.group() == "{":
            if depth == 0 and re.search(rf"(?:^|\n)\s*{keyword}\b[^{{;]*$", config[: match.start()]):
                start = match.end()
            depth += 1
        else:
            depth -= 1
            if depth == 0 and start is not None:
                bodies.append(config[start : match.start()])
                start = None
    return bodies


def nginx_log_path(path):
    """What the shipped `map $uri $campaign_log_path` makes of ``path``."""
    [body] = nginx_blocks(nginx_config(), r"map \$uri \$campaign_log_path")
    for source, value in re.findall(r'^\s*"~([^"]+)"\s+"([^"]+)";', body, re.MULTILINE):
        match = re.match(source.replace("(?<", "(?P<"), path)
        if match:
            return re.sub(r"\$\{(\w+)\}", lambda name, found=match: found.group(name[1]), value)
    assert re.search(r"^\s*default \$uri;", body, re.MULTILINE)
    return path


def test_nginx_logs_only_harmless_variables_in_every_server():
    config = nginx_config()
    formats = dict(re.findall(r"log_format (\w+) '([^']*)';", config))
    servers = nginx_blocks(config, "server")

    assert set(formats) == {"campaign_privacy"}
    assert set(re.findall(r"\$(\w+)", formats["campaign_privacy"])) == NGINX_ALLOWED_VARIABLES
    assert len(servers) == 2
    for server in servers:
        assert re.findall(r"^\s*access_log (\S+) (\S+);", server, re.MULTILINE) == [
            ("/var/log/nginx/campaign.log", "campaign_privacy")
        ]
        # Error lines name the client and the request line: only critical ones.
        assert re.findall(r"^\s*error_log (\S+) (\w+);", server, re.MULTILINE) == [
            ("/var/log/nginx/campaign-error.log", "crit")
        ]


def test_nginx_cuts_every_secret_link_after_its_prefix():
    paths = secret_paths()

    for path in paths:
        logged = nginx_log_path(path)
        assert SECRET not in logged, path
        assert logged == path[: path.index(SECRET)] + "-"
    assert nginx_log_path("/appel/") == "/appel/"
    assert nginx_log_path("/en/signataires/") == "/en/signataires/"


def test_nginx_lets_the_site_answer_oversized_bodies_with_its_own_page():
    [limit] = re.findall(r"client_max_body_size (\d+)m;", nginx_config())

    assert int(limit) * 1024 * 1024 > settings.REQUEST_BODY_MAX_BYTES


def caddy_log_filters():
    """The filtered fields of each `log` block of the Caddyfile, by block."""
    config = (DEPLOY / "Caddyfile").read_text()
    blocks = re.findall(r"\blog(?: default)? \{(.*?)\n\t?\}", config, re.DOTALL)
    return [dict(re.findall(r"^\s*([\w>-]+) (delete|replace .*)$", block, re.MULTILINE)) for block in blocks]


def test_caddy_logs_neither_addresses_nor_uris_nor_headers_in_its_access_and_own_logs():
    caddy_default, site = caddy_log_filters()

    private = {"request>remote_ip", "request>remote_port", "request>client_ip", "request>headers", "request>uri"}
    assert {field for field, action in caddy_default.items() if action == "delete"} == private
    # The response's headers too: a redirect's Location repeats a link's token.
    assert {field for field, action in site.items() if action == "delete"} == private | {"resp_headers"}


def test_caddy_lets_the_site_answer_oversized_bodies_with_its_own_page():
    [limit] = re.findall(r"max_size (\d+)MB", (DEPLOY / "Caddyfile").read_text())

    assert int(limit) * 1000 * 1000 > settings.REQUEST_BODY_MAX_BYTES


GUNICORN_LOGS = """
import runpy
from gunicorn.config import Config
from gunicorn.glogging import Logger

config = Config()
for name, value in runpy.run_path("deploy/gunicorn.conf.py").items():
    if name in config.settings:
        config.set(name, value)
log = Logger(config)
log.warning("Invalid request from ip=203.0.113.9: Invalid HTTP request line: 'GET /signer/retirer/abcdef/'")
try:
    raise ValueError("boom")
except ValueError:
    log.exception("Error handling request %s", "/en/signer/confirmer/abcdef/")
"""


def test_gunicorns_own_lines_go_through_the_sites_formatter():
    run = subprocess.run(
        [sys.executable, "-c", GUNICORN_LOGS], cwd=DEPLOY.parent, capture_output=True, text=True, check=True
    )

    entries = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert [(entry["logger"], entry["level"], entry["message"]) for entry in entries] == [
        (
            "gunicorn.error",
            "WARNING",
            "Invalid request from ip=[…]: Invalid HTTP request line: 'GET /signer/retirer/[…]/'",
        ),
        ("gunicorn.error", "ERROR", "Error handling request /en/signer/confirmer/[…]/"),
    ]
    assert entries[1]["exception"].endswith("ValueError: boom")
    assert run.stdout == ""
