"""scripts/demo.sh (what `make demo` ends with) serves the site with a worker and stops both on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _poll(check, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.slow
def test_demo_serves_runs_queued_tasks_and_stops_both_on_ctrl_c(subprocess_db_env, tmp_path):
    from django_q.tasks import async_task, result

    port = _free_port()
    env = {
        **os.environ,
        **subprocess_db_env,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEMO_ADDR": f"127.0.0.1:{port}",
        "PY": sys.executable,
        "Q_POLL": "0.2",
    }
    # Its own process group, as a terminal gives a foreground job: Ctrl-C signals the
    # whole group, and the cleanup below can kill whatever is left of it.
    proc = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, start_new_session=True)
    try:
        children = _poll(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), "server and worker")
        _poll(lambda: _answers(f"http://127.0.0.1:{port}/robots.txt"), "the site to answer")
        task_id = async_task("math.sqrt", 16)
        assert _poll(lambda: result(task_id), "the queued task to run") == 4.0

        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=DEADLINE_SECONDS)
        _poll(lambda: not any(_alive(pid) for pid in children), "server and worker to stop")
    finally:
        # A worker left running would take later tests' tasks from the shared test database.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
