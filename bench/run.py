"""`make bench`: load the site with wrk on loopback and print what it takes.

One run: gunicorn with the production settings and deploy/gunicorn.conf.py,
then, for each scenario, a warm-up and a measured wrk run (default 20 s at 16
connections): a static file, a minimal Django view (the framework's ceiling),
`/`, `/actualites/`, `/api/petition.json`, `/chiffres/` (and a département's page and
an open-data file), the widgets (`/widget/compteur/`, its SVG badge, the share card),
the form page `/signer/`, signing
(POST, unique emails, addresses spread through X-Forwarded-For), signing again
with the task worker running and sending every confirmation to a local SMTP
sink, and confirming (POST). Then one worker alone sends a queued batch of
emails to the sink: emails per second, each received exactly once. It prints a
table (requests/s, p50, p99, errors), the ratios the production targets set,
checks that signature rows equal accepted responses, reports each gunicorn
worker's resident memory, and writes everything to bench/results/.

The load generator runs on the same cores as the server: figures are for
comparing runs and ratios on one machine, not absolute capacities.
"""

import argparse
import collections
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
THREADS = 2
CONFIRM_ROUTE = "/signer/confirmer/<str:token>/"
# Ten times what a signing run sends here (a stamp used twice with other data is refused).
SIGNING_STAMPS = 50_000


def server_environment(port):
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "0",
            # The load generator plays a crowd behind one trusted proxy.
            "TRUSTED_PROXY_COUNT": "1",
            "BENCHMARK_VIEWS": "1",
            "BIND": f"127.0.0.1:{port}",
            "DJANGO_SETTINGS_MODULE": "campaign.settings",
            "LOG_LEVEL": "INFO",
        }
    )
    if not env.get("DATABASE_URL"):
        # Its own database on the embedded server: `bench/seed.py` fills it
        # with a million signatures that `make run` should not show.
        env.setdefault("EMBEDDED_DATABASE_NAME", "campaign_bench")
    return env


def manage(env, *arguments):
    run_python(env, "manage.py", *arguments)


def run_python(env, script, *arguments):
    subprocess.run([PYTHON, script, *arguments], cwd=ROOT, env=env, check=True)


def wait_until_up(base, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer on /healthz")


def wrk(base, path, script, duration, connections, extra_env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as combined:
        combined.write((LUA / "common.lua").read_text())
        combined.write("\n")
        combined.write((LUA / script).read_text())
    env = {**os.environ, **(extra_env or {})}
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", combined.name]
    command.append(base + path)
    try:
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(combined.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds if seconds else 0.0
    return result


def static_path(base):
    with urllib.request.urlopen(base + "/") as response:
        html = response.read().decode()
    return re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', html).group(1)


def signing_form(base):
    """A CSRF cookie and token, and a fill-time stamp, as a browser would hold them."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/signer/") as response:
        html = response.read().decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    return fields, cookies


def worker_memory(master_pid):
    import psutil

    master = psutil.Process(master_pid)
    return [round(child.memory_info().rss / 2**20, 1) for child in master.children()]


def count_rows(env, sql, params=()):
    output = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            f"from django.db import connection\n"
            f"with connection.cursor() as c:\n    c.execute({sql!r}, {list(params)!r})\n    print(c.fetchone()[0])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output.strip().splitlines()[-1])


class SMTPSink:
    """An aiosmtpd server on loopback that counts what it receives, by Message-ID, with the time of each."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.lock = threading.Lock()
        self.received = collections.Counter()
        self.times = []
        self.log = []  # (time, recipient, Message-ID) of each message
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        match = re.search(rb"^Message-ID: (.+?)\r?$", envelope.content, re.MULTILINE | re.IGNORECASE)
        message_id = match[1] if match else b""
        with self.lock:
            self.received[message_id] += 1
            self.times.append(time.monotonic())
            self.log.append((self.times[-1], ",".join(envelope.rcpt_tos), message_id))
        return "250 OK"

    def of(self, prefix):
        """What was received for recipients starting with ``prefix``: [(time, Message-ID)]."""
        with self.lock:
            return [(when, message_id) for when, recipient, message_id in self.log if recipient.startswith(prefix)]

    def count(self):
        with self.lock:
            return sum(self.received.values())

    def stop(self):
        self.controller.stop()


def start_worker(env, sink):
    """``manage.py db_worker`` sending to ``sink``: the task worker as `make run` starts it."""
    return subprocess.Popen(
        [PYTHON, "manage.py", "db_worker", "--no-scheduler"],
        cwd=ROOT,
        env={**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()


def emails_by_one_worker(env, count):
    """One worker, alone, sends ``count`` queued confirmation emails to a sink: emails/s, each exactly once."""
    sink = SMTPSink()
    run = "e" + secrets.token_hex(4)
    run_python(env, "bench/seed.py", "--emails", str(count), f"{run}-")
    started = time.monotonic()
    worker = start_worker(env, sink)
    try:
        deadline = started + 60 + count / 20
        # Only this run's addresses count: earlier scenarios may have left confirmations queued.
        while len(sink.of(f"{run}-")) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # anything sent twice would arrive now
    finally:
        stop_worker(worker)
        sink.stop()
    mine = sink.of(f"{run}-")
    times = sorted(when for when, _ in mine)
    received = collections.Counter(message_id for _, message_id in mine)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    sent_twice = sum(1 for seen in received.values() if seen > 1)
    return {
        "name": "emails by one worker",
        "queued": count,
        "received": len(times),
        "distinct": len(received),
        "sent_twice": sent_twice,
        "others_sent_before": len(sink.times) - len(times),
        "emails_per_second": round(rate, 1),
        "seconds_to_first": round(times[0] - started, 2) if times else None,
        "exactly_once": len(received) == count and sent_twice == 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", nargs="*", help="scenario names to run")
    parser.add_argument("--emails", type=int, default=5000, help="emails queued for the one-worker email run (0: skip)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs Debian's wrk.")

    env = server_environment(args.port)
    base = f"http://127.0.0.1:{args.port}"
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_initial_content")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    # The server's log says which requests it accepted, including those still
    # in flight when wrk stopped counting.
    server_log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="bench-server-")  # noqa: SIM115
    scratch = tempfile.TemporaryDirectory(prefix="bench-")  # confirmation links
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "campaign.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    rows = []
    try:
        wait_until_up(base)
        scenarios = build_scenarios(base, env, Path(server_log.name), Path(scratch.name))
        for name, path, script, extra, after in scenarios:
            if args.only and name not in args.only:
                continue
            if args.warmup:
                wrk(base, path, script, args.warmup, args.connections, extra() if callable(extra) else extra)
            run_env = extra() if callable(extra) else extra
            result = wrk(base, path, script, args.duration, args.connections, run_env)
            result["name"] = name
            if after:
                result.update(after(result, run_env))
            rows.append(result)
            print(
                f"{name:<22} {result['rps']:>9.0f} req/s  p50 {result['p50_us'] / 1000:6.2f} ms  "
                f"p99 {result['p99_us'] / 1000:7.2f} ms  statuses {result['statuses']}",
                flush=True,
            )
        memory = worker_memory(server.pid)
        emails = None
        if args.emails and (not args.only or "emails by one worker" in args.only):
            emails = emails_by_one_worker(env, args.emails)
            print(
                f"emails by one worker: {emails['emails_per_second']} emails/s, {emails['received']} received for "
                f"{emails['queued']} queued, {emails['sent_twice']} sent twice",
                flush=True,
            )
        signatures = count_rows(env, "SELECT count(*) FROM petitions_signature WHERE confirmed_at IS NOT NULL")
    finally:
        server.terminate()
        server.wait(timeout=60)
        server_log.close()
        scratch.cleanup()
    report(rows, memory, signatures, emails)


def accepted_by_server(log_path, route):
    """POSTs to ``route`` the server answered with a redirect (accepted), from its request log."""
    accepted = 0
    with log_path.open() as log:
        for line in log:
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("method") == "POST" and entry.get("route") == route and entry.get("status") == 302:
                accepted += 1
    return accepted


def settled_count(log_path, route):
    """accepted_by_server once the requests in flight when wrk stopped are answered and logged."""
    count = accepted_by_server(log_path, route)
    while True:
        time.sleep(1)
        again = accepted_by_server(log_path, route)
        if again == count:
            return count
        count = again


def build_scenarios(base, env, log_path, scratch):
    """(name, path, lua script, wrk environment or a function returning it, check after the run)."""
    fields, cookie = signing_form(base)
    browser = {"BENCH_CSRF": fields["csrfmiddlewaretoken"], "BENCH_COOKIE": cookie}
    state = {}

    def signing_env():
        run = "b" + secrets.token_hex(4)
        # A stamp is good for one submission, as each person fills in a form of their own.
        stamps = scratch / f"{run}-stamps.txt"
        run_python(env, "bench/seed.py", "--stamps", str(SIGNING_STAMPS), str(stamps))
        state["sign"] = {"before": settled_count(log_path, "/signer/")}
        return {**browser, "BENCH_RUN": run, "BENCH_STAMPS": str(stamps), "BENCH_THREADS": str(THREADS)}

    def after_signing(result, run_env):
        accepted = settled_count(log_path, "/signer/") - state["sign"]["before"]
        rows = count_rows(
            env,
            "SELECT count(*) FROM petitions_signature WHERE email_normalised LIKE %s",
            [run_env["BENCH_RUN"] + "-%"],
        )
        return {"rows": rows, "accepted_by_server": accepted, "rows_equal_accepted": rows == accepted}

    sink = {}

    def signing_with_worker_env():
        run_env = signing_env()
        if "worker" not in sink:  # started for the warm-up, kept running for the measured run
            sink["sink"] = SMTPSink()
            sink["worker"] = start_worker(env, sink["sink"])
        return run_env

    def after_signing_with_worker(result, run_env):
        checked = after_signing(result, run_env)
        # The worker catches up with what the run queued, then stops.
        deadline = time.monotonic() + 120
        while sink["sink"].count() < checked["rows"] and time.monotonic() < deadline:  # at least this run's
            time.sleep(0.5)
        stop_worker(sink.pop("worker"))
        sink["sink"].stop()
        # The warm-up's emails included: what matters is that none arrives twice.
        received = sink.pop("sink").received
        return {
            **checked,
            "emails_received": sum(received.values()),
            "emails_sent_twice": sum(1 for seen in received.values() if seen > 1),
        }

    def confirming_env():
        run = "c" + secrets.token_hex(4)
        path = scratch / f"{run}.txt"
        run_python(env, "bench/seed.py", "--pending", "40000", f"{run}-", str(path))
        state["confirm"] = {"before": settled_count(log_path, CONFIRM_ROUTE)}
        return {**browser, "BENCH_TOKENS": str(path), "BENCH_THREADS": str(THREADS), "BENCH_RUN": run}

    def after_confirming(result, run_env):
        accepted = settled_count(log_path, CONFIRM_ROUTE) - state["confirm"]["before"]
        rows = count_rows(
            env,
            "SELECT count(*) FROM petitions_signature WHERE confirmed_at IS NOT NULL AND email_normalised LIKE %s",
            [run_env["BENCH_RUN"] + "-%"],
        )
        return {"rows": rows, "accepted_by_server": accepted, "rows_equal_accepted": rows == accepted}

    return [
        ("static file", static_path(base), "get.lua", None, None),
        ("minimal view", "/_bench/minimal", "get.lua", None, None),
        ("home /", "/", "get.lua", None, None),
        ("news /actualites/", "/actualites/", "get.lua", None, None),
        ("questions /questions/", "/questions/", "get.lua", None, None),
        ("act /agir/", "/agir/", "get.lua", None, None),
        ("api petition.json", "/api/petition.json", "get.lua", None, None),
        ("figures /chiffres/", "/chiffres/", "get.lua", None, None),
        ("figures /chiffres/38/", "/chiffres/38/", "get.lua", None, None),
        ("open data csv", "/donnees/signatures-par-departement.csv", "get.lua", None, None),
        ("widget /widget/compteur/", "/widget/compteur/", "get.lua", None, None),
        ("badge compteur.svg", "/widget/compteur.svg", "get.lua", None, None),
        ("share card carte.png", "/widget/carte.png", "get.lua", None, None),
        ("form page /signer/", "/signer/", "get.lua", None, None),
        ("signing (POST)", "/signer/", "sign.lua", signing_env, after_signing),
        ("signing, worker on", "/signer/", "sign.lua", signing_with_worker_env, after_signing_with_worker),
        ("confirming (POST)", "/signer/", "confirm.lua", confirming_env, after_confirming),
    ]


def ratio(rows, a, b):
    by_name = {row["name"]: row for row in rows}
    if a in by_name and b in by_name and by_name[b]["rps"]:
        return round(by_name[a]["rps"] / by_name[b]["rps"], 2)
    return None


def report(rows, memory, signatures, emails=None):
    by_name = {row["name"]: row for row in rows}
    ratios = {
        "home / static": ratio(rows, "home /", "static file"),
        "api / static": ratio(rows, "api petition.json", "static file"),
        "figures / static": ratio(rows, "figures /chiffres/", "static file"),
        "widget / static": ratio(rows, "widget /widget/compteur/", "static file"),
        "badge / static": ratio(rows, "badge compteur.svg", "static file"),
        "signing / minimal view": ratio(rows, "signing (POST)", "minimal view"),
        "signing with the worker / minimal view": ratio(rows, "signing, worker on", "minimal view"),
        "confirming / minimal view": ratio(rows, "confirming (POST)", "minimal view"),
        "form page / minimal view": ratio(rows, "form page /signer/", "minimal view"),
    }
    print()
    print(f"confirmed signatures in the database: {signatures}")
    print(f"| {'scenario':<22} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | statuses")
    print(f"|{'-' * 24}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 20}")
    for row in rows:
        errors = sum(row["errors"].values())
        print(
            f"| {row['name']:<22} | {row['rps']:>8.0f} | {row['p50_us'] / 1000:>7.2f} | "
            f"{row['p99_us'] / 1000:>7.2f} | {errors:>6} | {row['statuses']}"
        )
    print()
    for name in ("signing (POST)", "signing, worker on", "confirming (POST)"):
        if name in by_name:
            row = by_name[name]
            print(
                f"{name}: {row['rows']} rows for {row['accepted_by_server']} accepted responses "
                f"({'equal' if row['rows_equal_accepted'] else 'DIFFERENT'})"
            )
    if "signing, worker on" in by_name:
        row = by_name["signing, worker on"]
        print(f"signing, worker on: {row['emails_received']} emails received, {row['emails_sent_twice']} sent twice")
    if emails:
        print(f"emails by one worker: {emails}")
    for name, value in ratios.items():
        print(f"ratio {name}: {value}")
    print(f"gunicorn workers' resident memory (MB): {memory}")
    targets = check_targets(by_name, ratios, memory, emails)
    for target, met in targets.items():
        print(f"target {target}: {'met' if met else 'MISSED' if met is False else 'not measured'}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stamp}.json"
    summary = {
        "confirmed_signatures": signatures,
        "cpu_count": os.cpu_count(),
        "rows": rows,
        "ratios": ratios,
        "worker_rss_mb": memory,
        "emails": emails,
        "targets": targets,
    }
    path.write_text(json.dumps(summary, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


def check_targets(by_name, ratios, memory, emails=None):
    """The production targets: True met, False missed, None not measured in this run."""

    def p99_under(name, milliseconds):
        return by_name[name]["p99_us"] < milliseconds * 1000 if name in by_name else None

    def at_least(value, floor):
        return None if value is None else value >= floor

    signing = by_name.get("signing (POST)")
    return {
        "/ >= 0.7x static": at_least(ratios["home / static"], 0.7),
        "/ p99 < 20 ms": p99_under("home /", 20),
        "api >= 0.7x static": at_least(ratios["api / static"], 0.7),
        "api p99 < 20 ms": p99_under("api petition.json", 20),
        "figures >= 0.7x static": at_least(ratios["figures / static"], 0.7),
        "figures p99 < 20 ms": p99_under("figures /chiffres/", 20),
        "widget >= 0.7x static": at_least(ratios["widget / static"], 0.7),
        "widget p99 < 20 ms": p99_under("widget /widget/compteur/", 20),
        "badge >= 0.7x static": at_least(ratios["badge / static"], 0.7),
        "badge p99 < 20 ms": p99_under("badge compteur.svg", 20),
        "signing >= 0.25x minimal view": at_least(ratios["signing / minimal view"], 0.25),
        "signing p99 < 100 ms": p99_under("signing (POST)", 100),
        "signing rows = accepted": signing["rows_equal_accepted"] if signing else None,
        "confirming >= 0.3x minimal view": at_least(ratios["confirming / minimal view"], 0.3),
        "form page >= 0.5x minimal view": at_least(ratios["form page / minimal view"], 0.5),
        "emails >= 200/s by one worker": None if not emails else emails["emails_per_second"] >= 200,
        "emails each exactly once": None if not emails else emails["exactly_once"],
        "worker RSS < 150 MB": all(rss < 150 for rss in memory) if memory else None,
    }


if __name__ == "__main__":
    main()
