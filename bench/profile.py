"""Profile the write paths (signing, confirming) with pyinstrument, in one process.

    make bench-profile            # or: bench/profile.py --requests 500 --path sign

Each request goes through the whole middleware stack (Django's test client,
production settings) against the benchmark database; pyinstrument prints where
the time goes, including time spent waiting for PostgreSQL.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from campaign.antispam import form_timestamp  # noqa: E402
from petitions import tokens  # noqa: E402
from petitions.models import Signature  # noqa: E402


def sign_requests(count):
    run = "p" + secrets.token_hex(4)
    # One client: a new one would load the middleware again on its first request.
    client = Client()
    for number in range(count):
        data = {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": f"{run}-{number}@bench.invalid",
            "postcode": "75011",
            "role": "parent",
            "shown_at": form_timestamp(time.time() - 10),  # a form of its own: a stamp is good once
            "website_url": "",
        }
        # A new address each time, as a crowd: the per-address limit never bites.
        address = f"10.9.{number // 256 % 256}.{number % 256}"
        yield lambda data=data, address=address: client.post("/signer/", data, REMOTE_ADDR=address)


def confirm_requests(count):
    # Signatures made by the signing profile (or a bench run), still pending.
    pending = list(Signature.objects.pending().filter(email_normalised__endswith="@bench.invalid")[:count])
    if len(pending) < count:
        raise SystemExit(f"only {len(pending)} pending signatures: profile signing first")
    client = Client()
    for signature in pending:
        url = f"/signer/confirmer/{tokens.confirmation_token(signature)}/"
        yield lambda url=url: client.post(url)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--path", choices=["sign", "confirm"], nargs="*", default=["sign", "confirm"])
    args = parser.parse_args()
    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("profile against the benchmark database (make bench-profile)")
    for path in args.path:
        requests = list((sign_requests if path == "sign" else confirm_requests)(args.requests))
        # Warm the process: first imports, templates, the connection pool.
        for request in requests[:20]:
            request()
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for request in requests[20:]:
                response = request()
                if response.status_code != 302:
                    raise SystemExit(f"{path}: unexpected {response.status_code}")
        elapsed = time.perf_counter() - started
        measured = len(requests) - 20
        print(f"\n=== {path}: {measured} requests, {elapsed / measured * 1000:.2f} ms each in one process ===")
        print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))


if __name__ == "__main__":
    main()
