"""Tasks wait for a restarting database instead of failing at their first query.

These stop and start the real PostgreSQL that ``scripts/with-services.sh``
runs for the scale-path half of ``make test``; on SQLite they are skipped.
"""

import os
import subprocess
import threading
import time

import pytest
from django.db import OperationalError, connection

from papers.models import Paper
from papers.tasks import database_wait

SERVICES = os.environ.get("PAPERDIGEST_SERVICES_DIR", "")

pytestmark = pytest.mark.skipif(
    not SERVICES or "PGBIN" not in os.environ or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs the PostgreSQL started by scripts/with-services.sh",
)


def pg_ctl(*args: str) -> subprocess.CompletedProcess:
    cmd = [os.path.join(os.environ["PGBIN"], "pg_ctl"), "-D", os.path.join(SERVICES, "pg"), *args]
    if os.geteuid() == 0:  # the cluster belongs to the postgres user (see with-services.sh)
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def postgres_start() -> None:
    if pg_ctl("status").returncode != 0:
        result = pg_ctl("-l", os.path.join(SERVICES, "pg.log"), "-w", "-t", "60", "start")
        assert result.returncode == 0, result.stderr or result.stdout


@pytest.fixture
def stopped_postgres(transactional_db):
    """PostgreSQL stopped for the test; always running again afterwards."""
    assert connection.vendor == "postgresql"
    Paper.objects.exists()  # the test's connection is open when the server goes away
    result = pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
    assert result.returncode == 0, result.stderr or result.stdout
    try:
        yield
    finally:
        postgres_start()
        connection.close()


def test_a_task_waits_for_a_restarting_database_and_then_queries_it(stopped_postgres):
    restart = threading.Timer(2.0, postgres_start)
    restart.start()
    started = time.monotonic()
    try:
        database_wait(within=60)
    finally:
        restart.join()

    assert time.monotonic() - started >= 1.5
    assert Paper.objects.count() == 0


def test_a_database_down_longer_than_the_wait_raises(stopped_postgres):
    started = time.monotonic()
    with pytest.raises(OperationalError):
        database_wait(within=1.5)
    assert 1.5 <= time.monotonic() - started < 10
