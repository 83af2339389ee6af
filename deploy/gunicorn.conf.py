"""gunicorn settings for `make serve` and for production (see docs/deploy.md)."""

import multiprocessing
import os
import re
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The control socket (for `gunicornc`), one per instance, under VAR_DIR (the
# settings' default: var/ in the checkout). gunicorn's default path is the same
# for every instance a user runs ($XDG_RUNTIME_DIR/gunicorn.ctl): a second one
# (two `make serve`, the cluster test's two app servers) took it over.
_var_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
control_socket = str(_var_dir / "run" / f"gunicorn-{re.sub(r'[^A-Za-z0-9.-]', '_', bind)}.ctl")
# Sync workers, one per core: measured (bench/) faster than threads for this
# site, whose public pages are answered from memory and whose writes are short.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
# Load Django once in the master: faster restarts, pages of code shared between workers.
preload_app = True
# A request that takes longer than this is a bug, not load.
timeout = 30
# On SIGTERM, finish the requests in flight before leaving.
graceful_timeout = 30
keepalive = 5
# The application logs one line per request without addresses (campaign.requests).
accesslog = None
errorlog = "-"
# gunicorn's own lines go through the site's formatter (campaign/log.py), which
# masks what they may hold: the path of a request that failed ("Error handling
# request /signer/retirer/<token>/"), the client's address ("Invalid request
# from ip=…").
logconfig_dict = {
    "formatters": {"json": {"()": "campaign.log.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
# Recycle workers now and then so a slow leak never becomes an outage; rarely:
# at a few thousand requests a second a lower figure restarts a worker every
# few seconds, and each restart shows as a latency spike (measured in bench/).
max_requests = 1_000_000
max_requests_jitter = 50_000
# Headers from the reverse proxy are trusted only from the local machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
