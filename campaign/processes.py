"""Running the site's processes side by side until Ctrl-C or SIGTERM (make run, make serve)."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import OutputWrapper

from campaign import embedded_db


def supervise(commands: list[list[str]], stdout: OutputWrapper, stderr: OutputWrapper, stop_timeout: float = 35) -> int:
    """Start every command; stop them all (SIGTERM, then SIGKILL after ``stop_timeout``)
    when this process is asked to stop or when one of them exits. Return an exit status."""
    children = [subprocess.Popen(command) for command in commands]  # noqa: S603 - our own commands
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        for command, child in zip(commands, children, strict=True):
            if child.poll() is not None:
                stderr.write(f"{' '.join(command[1:3])} stopped (exit {child.returncode}); stopping everything.\n")
                status = child.returncode or 1
                stopping = True
        time.sleep(0.2)

    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + stop_timeout
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
    # Children killed by Ctrl-C may not have detached from the embedded
    # PostgreSQL; forget them so that it stops when this process leaves.
    embedded_db.forget_dead_processes()
    stdout.write("Stopped.\n")
    return status


def manage(*arguments: str) -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), *arguments]
