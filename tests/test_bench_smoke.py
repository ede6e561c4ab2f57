"""The scale bench's own machinery, at its smallest: 6 papers, 1 worker, on the test database."""

import os
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BENCH = Path(settings.BASE_DIR) / "bench"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import faults  # noqa: E402, F401  (importable: the fault bench shares these helpers)
import load  # noqa: E402
import scale  # noqa: E402


def _subprocess_env(api_url: str) -> dict[str, str]:
    """Point ``manage.py qcluster`` at this test's database, media folder and fake arXiv."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        database = {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    else:
        database = {
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        }
    return {
        **os.environ,
        **database,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ARXIV_API_URL": api_url,
        "ARXIV_API_DELAY_SECONDS": "0",
        "ARXIV_PDF_DELAY_SECONDS": "0",
        "DIGEST_LLM": "extractive",
        "Q_POLL": "0.2",
        "LOG_LEVEL": "WARNING",
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_scale_batch_processes_every_paper_once_with_one_worker(tmp_path, settings):
    with _common.FakeArxiv(papers=6, pool_size=1) as arxiv:
        settings.ARXIV_API_URL = arxiv.api_url
        row = scale.scale_batch(papers=6, workers=1, env=_subprocess_env(arxiv.api_url), logdir=tmp_path, within=60)

    assert (row["papers"], row["terminal"], row["failed"]) == (6, 6, 0)
    assert row["links"] == arxiv.links() == 10  # overlapping topics: one paper row per arXiv id
    assert row["summaries"] == 6
    assert row["defects"] == 0


def test_wrk_output_is_read_into_rate_latency_and_errors():
    text = """
Running 30s test @ http://127.0.0.1:8000/
  Latency Distribution
     50%  850.00us
     75%    2.10ms
     90%    5.00ms
     99%    1.20s
  12345 requests in 30.01s, 98.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    411.36
"""
    figures = load.wrk_parse(text)
    assert figures == {
        "rps": 411.36,
        "requests": 12345,
        "p50": 0.85,
        "p99": 1200.0,
        "non2xx": 4,
        "socket_errors": 5,
    }
