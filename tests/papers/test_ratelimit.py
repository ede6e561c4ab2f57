"""The request budget shared through the database: a sliding window across threads and processes."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from papers.models import RateSlot
from papers.services.ratelimit import rate_key, rate_window_acquire
from tests.threads import run_concurrently


def window_violations(starts: list[float], *, limit: int, window: float, jitter: float = 0.05) -> list[float]:
    """Starts that open a run of limit + 1 starts shorter than the window."""
    starts = sorted(starts)
    return [starts[i] for i in range(len(starts) - limit) if starts[i + limit] - starts[i] < window - jitter]


@pytest.mark.django_db(transaction=True)
def test_a_window_admits_a_burst_of_limit_then_spaces_the_rest_across_threads():
    def take() -> tuple[float, float]:
        waited = rate_window_acquire(key="test:threads", limit=3, window=0.5)
        return waited, time.monotonic()

    waits, starts = zip(*run_concurrently(*[take] * 7), strict=True)

    assert sorted(waits)[:3] == [0.0, 0.0, 0.0]  # the first three start at once
    assert window_violations(starts, limit=3, window=0.5) == []
    assert len(RateSlot.objects.get(key="test:threads").recent) == 3  # only what the window needs is kept


@pytest.mark.django_db
def test_no_limit_means_no_waiting_and_no_row():
    assert rate_window_acquire(key="test:off", limit=0) == 0.0
    assert not RateSlot.objects.filter(key="test:off").exists()


def test_a_long_server_url_still_makes_a_valid_key():
    url = "https://llm.example.org/" + "v1/" * 60
    key = rate_key("llm", url)
    assert key.startswith("llm:") and len(key) <= RateSlot._meta.get_field("key").max_length
    assert key == rate_key("llm", url) != rate_key("llm", url + "x")
    assert rate_key("llm", "http://127.0.0.1:8080/v1") == "llm:http://127.0.0.1:8080/v1"


@pytest.mark.slow
def test_the_window_holds_across_processes(subprocess_db_env):
    code = (
        "import time\n"
        "from papers.services.ratelimit import rate_window_acquire\n"
        "for _ in range(3):\n"
        "    rate_window_acquire(key='test:procs', limit=2, window=1.0)\n"
        "    print(time.time(), flush=True)\n"
    )
    env = {**os.environ, **subprocess_db_env}
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    starts = [float(line) for out, _err in outputs for line in out.split()]
    assert len(starts) == 6
    assert window_violations(starts, limit=2, window=1.0, jitter=0.1) == []
