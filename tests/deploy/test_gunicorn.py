"""The shipped gunicorn configuration: each instance its own control socket."""

import runpy
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import free_port
from tests.system.harness import wait_for

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def config(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_each_address_served_has_its_control_socket_under_var_dir(monkeypatch, tmp_path):
    first = config(monkeypatch, VAR_DIR=str(tmp_path), BIND="127.0.0.1:8000")["control_socket"]
    second = config(monkeypatch, VAR_DIR=str(tmp_path), BIND="127.0.0.1:8001")["control_socket"]

    assert (first, second) == (
        str(tmp_path / "run" / "gunicorn-127.0.0.1_8000.ctl"),
        str(tmp_path / "run" / "gunicorn-127.0.0.1_8001.ctl"),
    )


def test_without_var_dir_the_socket_is_in_the_checkouts_var(monkeypatch):
    monkeypatch.delenv("VAR_DIR", raising=False)

    path = config(monkeypatch, BIND="127.0.0.1:8000")["control_socket"]

    assert path == str(CONFIG.parents[1] / "var" / "run" / "gunicorn-127.0.0.1_8000.ctl")


def _listening(path):
    with socket.socket(socket.AF_UNIX) as client:
        try:
            client.connect(str(path))
        except OSError:
            return False
        return True


def test_two_instances_on_one_machine_each_answer_on_their_own_socket(tmp_path):
    """Two gunicorns of one user (two `make serve`): neither takes the other's control socket."""
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            env = {
                "PATH": "/usr/bin:/bin",
                "VAR_DIR": str(tmp_path),
                "BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "1",
                "DEBUG": "0",
                "SECRET_KEY": "test-only",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "0",
                # Never connected to: the test waits for the sockets only.
                "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
            }
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "campaign.wsgi:application"],
                    cwd=CONFIG.parents[1],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        sockets = [tmp_path / "run" / f"gunicorn-127.0.0.1_{port}.ctl" for port in ports]
        for path in sockets:
            wait_for(lambda path=path: _listening(path), timeout=30, what=f"control socket {path.name}")

        assert sorted(path.name for path in (tmp_path / "run").iterdir()) == sorted(path.name for path in sockets)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
