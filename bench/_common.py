"""Shared machinery for the scale, fault and load benches (see bench/README.md).

Each bench runs under ``scripts/with-services.sh``, which starts PostgreSQL and
Redis on 127.0.0.1 and exports their URLs. This module sets the environment
the product reads, resets the database between runs, plays arXiv (API and
PDFs) from a thread in this process, starts and stops ``manage.py qcluster``
subprocesses, waits for papers to reach a terminal state and checks the
database for duplicates. Nothing here asserts a timing: benches print figures.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DIGEST_DATE = datetime.date(2024, 5, 2)
UTC = datetime.timezone.utc
TERMINAL = ("summarized", "failed")
# Three overlapping topics: paper i belongs to TOPIC_SETS[i % 6] (1/6 in all
# three, 1/3 in two, 1/2 in one).
TOPICS = ("bench-a", "bench-b", "bench-c")
TOPIC_SETS = (
    ("bench-a", "bench-b", "bench-c"),
    ("bench-a", "bench-b"),
    ("bench-b", "bench-c"),
    ("bench-a",),
    ("bench-b",),
    ("bench-c",),
)


class BenchError(SystemExit):
    """Stop the bench with a clear message (exit status 2)."""

    def __init__(self, message: str):
        print(f"\nbench: {message}", file=sys.stderr, flush=True)
        super().__init__(2)


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A parser whose help is the script's docstring: its first line, then all after the usage block."""
    return argparse.ArgumentParser(
        description=doc.splitlines()[0],
        epilog=doc.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- environment ----------------------------------------------------------


def services_check() -> None:
    """Refuse to run outside scripts/with-services.sh (we need PostgreSQL and Redis)."""
    db, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("Q_BROKER_URL", "")
    if not db.startswith("postgres") or not broker.startswith("redis://"):
        raise BenchError(
            "needs PostgreSQL and Redis: run it as `scripts/with-services.sh .venv/bin/python "
            f"{Path(sys.argv[0]).relative_to(ROOT) if Path(sys.argv[0]).is_absolute() else sys.argv[0]} …`"
        )


def bench_environ(workdir: Path, **extra: str) -> dict[str, str]:
    """Set (and return) the environment shared by this process and its subprocesses."""
    values = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MEDIA_ROOT": str(workdir / "media"),
        # The arXiv and PDF servers are local threads: no courtesy pacing.
        "ARXIV_API_DELAY_SECONDS": "0",
        "ARXIV_PDF_DELAY_SECONDS": "0",
        "ARXIV_RETRY_BACKOFF_SECONDS": "0.5",
        "DIGEST_LLM": "extractive",
        "LOG_LEVEL": "WARNING",
        "Q_POLL": "0.2",
        **extra,
    }
    os.environ.update(values)
    return dict(os.environ)


def django_setup() -> None:
    import logging

    import django

    django.setup()
    # django-q2 logs every enqueue at INFO; the bench prints its own progress.
    logging.getLogger("django-q").setLevel(logging.WARNING)


def database_reset() -> None:
    """Drop and re-create the database named by DATABASE_URL, then migrate it; empty Redis."""
    import psycopg
    import redis
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    for key in ("Q_BROKER_URL", "CACHE_URL"):
        if os.environ.get(key, "").startswith("redis://"):
            redis.from_url(os.environ[key]).flushdb()
    call_command("migrate", verbosity=0, interactive=False)


def db_retry(fn, *, attempts: int = 60, pause: float = 1.0):
    """Call ``fn``; while PostgreSQL restarts, reconnect and try again."""
    from django.db import Error, connections

    from papers.services.retry import retrying

    def call():
        try:
            return fn()
        except Error:
            connections.close_all()
            raise

    return retrying(
        what="Bench query",
        logger=logging.getLogger("paperdigest.bench"),
        retry_on=(Error,),
        attempts=attempts,
        backoff=pause,
        max_pause=pause,
    )(call)


# --- arXiv played by a thread ---------------------------------------------


def pdf_pool(size: int, variants: tuple[dict, ...] | None = None) -> list[bytes]:
    """Generate ``size`` realistic papers (tests/pdfgen.py); papers reuse them round-robin.

    ``variants`` are ``make_paper`` arguments taken in turn (default: its STANDARD_SET).
    """
    from tests.pdfgen import STANDARD_SET, make_paper

    variants = variants or STANDARD_SET
    pool = []
    for i in range(size):
        kwargs = dict(variants[i % len(variants)])
        kwargs["seed"] = 5000 + i
        pool.append(make_paper(**kwargs).data)
    return pool


@dataclass
class FakeArxiv:
    """An arXiv API and PDF server on 127.0.0.1 holding ``papers`` generated entries.

    A topic's query contains its slug; the API answers with the entries of
    that topic, paged like arXiv (``start``/``max_results``), newest first.
    """

    papers: int
    pool_size: int = 12
    variants: tuple[dict, ...] | None = None  # make_paper arguments of the pool (default STANDARD_SET)
    prefix: str = "2405"
    day: datetime.date = DIGEST_DATE
    server: object = None
    entries: dict[str, list] = field(default_factory=dict)

    def __enter__(self) -> FakeArxiv:
        from tests.atom import Entry
        from tests.servers import FakeServer

        self._pool = pdf_pool(self.pool_size, self.variants)
        self.server = FakeServer().start()
        start = datetime.datetime.combine(self.day - datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=UTC)
        by_topic: dict[str, list] = {slug: [] for slug in TOPICS}
        self._pdf_index: dict[str, int] = {}
        for i in range(self.papers):
            entry = Entry(
                arxiv_id=f"{self.prefix}.{i:05d}",
                title=f"Scaling Study {i}: Diffusion Samplers under Load",
                published=start + datetime.timedelta(seconds=20 * i + 1),
                base=self.server.base_url,
            )
            self._pdf_index[f"/pdf/{entry.versioned_id}"] = i % len(self._pool)
            for slug in TOPIC_SETS[i % len(TOPIC_SETS)]:
                by_topic[slug].append(entry)
        # arXiv answers newest first (the ingest asks for SubmittedDate descending).
        self.entries = {
            slug: sorted(items, key=lambda e: e.published, reverse=True) for slug, items in by_topic.items()
        }
        self.server.route("/api/query", self._api)
        self.server.default = self._pdf
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()

    @property
    def api_url(self) -> str:
        return self.server.url("/api/query")

    def links(self) -> int:
        return sum(len(items) for items in self.entries.values())

    @property
    def pool(self) -> list[bytes]:
        """The distinct PDFs served."""
        return self._pool

    def pdf_uses(self) -> list[int]:
        """How many papers get each PDF of ``pool``."""
        uses = [0] * len(self._pool)
        for index in self._pdf_index.values():
            uses[index] += 1
        return uses

    def _api(self, request):
        from tests.atom import feed
        from tests.servers import Reply

        query = request.arg("search_query", "")
        slug = next((s for s in TOPICS if s in query), None)
        entries = self.entries.get(slug, [])
        start = int(request.arg("start", "0"))
        size = int(request.arg("max_results", "100"))
        return Reply.atom(feed(entries[start : start + size], total=len(entries), start=start))

    def _pdf(self, request):
        from tests.servers import Reply

        index = self._pdf_index.get(request.path)
        if index is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return Reply.pdf(self._pool[index])


def topics_create(*, papers: int, auto_publish: bool = False) -> list:
    from papers.models import Topic

    return [
        Topic.objects.create(
            name=f"Bench {slug[-1].upper()}",
            slug=slug,
            arxiv_query=f'all:"{slug}"',
            language="en",
            max_papers_per_day=max(1, papers),
            lookback_days=1,
            auto_publish=auto_publish,
        )
        for slug in TOPICS
    ]


def ingest_enqueue(topics, *, day: datetime.date = DIGEST_DATE) -> None:
    """Queue one ingest task per topic, as the daily schedule does."""
    from papers.queue import topic_ingest_enqueue

    for topic in topics:
        topic_ingest_enqueue(topic=topic, date=day)


# --- the cluster ----------------------------------------------------------


class Cluster:
    """A ``manage.py qcluster`` subprocess with its own process group and log file."""

    def __init__(self, *, workers: int, env: dict[str, str], logdir: Path, name: str = "qcluster"):
        self.workers = workers
        self.env = {**env, "Q_WORKERS": str(workers)}
        self.log_path = logdir / f"{name}-{int(time.time() * 1000)}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, *, ready_within: float = 60) -> Cluster:
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"qcluster exited with {self.proc.returncode} while starting:\n{self.log_tail()}")
            if self.ready():
                return self
            time.sleep(0.2)
        raise BenchError(
            f"qcluster did not report {self.workers} workers within {ready_within:.0f} s:\n{self.log_tail()}"
        )

    def ready(self) -> bool:
        if len(self.worker_pids()) >= self.workers:
            return True
        # The ORM broker keeps cluster stats in the cache, which may be per process:
        # then count processes instead (sentinel, pusher, monitor and the workers).
        return self.env.get("Q_BROKER_URL", "") == "" and len(self.descendants()) >= self.workers + 3

    def descendants(self) -> list:
        import psutil

        if self.proc is None or self.proc.poll() is not None:
            return []
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> list[int]:
        """PIDs of this cluster's worker processes, as the cluster reports them in the broker.

        Only PIDs that are descendants of our own qcluster process are returned.
        """
        from django_q.status import Stat

        ours = {p.pid for p in self.descendants()}
        try:
            stats = Stat.get_all()
        except Exception:  # Redis restarting
            return []
        pids = [pid for stat in stats for pid in (stat.workers or []) if pid in ours]
        return sorted(set(pids))

    def kill_worker(self) -> int:
        """SIGKILL one worker (the first reported); return its PID."""
        pids = self.worker_pids()
        if not pids:
            raise BenchError(f"no worker PID found for the running cluster:\n{self.log_tail()}")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, *, within: float = 60) -> None:
        """Stop gracefully (SIGTERM: workers finish what they hold); SIGKILL the group after ``within``."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=within)
            except subprocess.TimeoutExpired:
                log(f"qcluster did not stop within {within:.0f} s; killing its process group")
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # leftovers of our own group only
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def queue_size() -> int:
    from django_q.brokers import get_broker

    try:
        return get_broker().queue_size() or 0
    except Exception:
        return -1


# --- progress and checks --------------------------------------------------


def paper_counts() -> dict[str, int]:
    """Papers by state, ingest runs and live leases, in one query."""
    from django.db import connection
    from django.utils import timezone

    def query():
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT
                  (SELECT count(*) FROM papers_paper),
                  (SELECT count(*) FROM papers_paper WHERE status IN ('summarized', 'failed')),
                  (SELECT count(*) FROM papers_paper WHERE status = 'failed'),
                  (SELECT count(*) FROM papers_paper WHERE processing_until > %s),
                  (SELECT count(*) FROM papers_ingestrun WHERE status <> 'running'),
                  (SELECT count(*) FROM papers_ingestrun WHERE status = 'failed')
                """,
                [timezone.now()],
            )
            papers, terminal, failed, leased, runs_done, runs_failed = cur.fetchone()
        return {
            "papers": papers,
            "terminal": terminal,
            "failed": failed,
            "leased": leased,
            "runs_done": runs_done,
            "runs_failed": runs_failed,
        }

    return db_retry(query)


def wait_until(predicate, *, what: str, within: float, label: str, every: float = 10.0, cluster: Cluster | None = None):
    """Poll ``paper_counts()`` until ``predicate(counts)``; give up after ``within`` seconds."""
    start = last = time.monotonic()
    while True:
        counts = paper_counts()
        if predicate(counts):
            return counts
        now = time.monotonic()
        if now - start > within:
            tail = f"\nqcluster log tail:\n{cluster.log_tail()}" if cluster else ""
            raise BenchError(f"{label}: gave up waiting for {what} after {within:.0f} s (last counts {counts}){tail}")
        if cluster is not None and not cluster.alive():
            raise BenchError(f"{label}: qcluster died while waiting for {what}:\n{cluster.log_tail()}")
        if now - last >= every:
            last = now
            log(
                f"{label}: {counts['terminal']}/{counts['papers']} papers terminal, {counts['leased']} leased, "
                f"queue {queue_size()}, {now - start:.0f} s"
            )
        time.sleep(0.5)


def all_terminal(expected: int, runs: int = len(TOPICS)):
    def check(c: dict[str, int]) -> bool:
        return c["runs_done"] >= runs and c["papers"] >= expected and c["terminal"] == c["papers"] and c["leased"] == 0

    return check


INTEGRITY_QUERIES = {
    "dup_papers": "SELECT arxiv_id FROM papers_paper GROUP BY arxiv_id HAVING count(*) > 1",
    "dup_links": "SELECT topic_id, paper_id FROM papers_topicpaper GROUP BY 1, 2 HAVING count(*) > 1",
    "dup_contents": "SELECT paper_id FROM papers_papercontent GROUP BY 1 HAVING count(*) > 1",
    "dup_figures": (
        'SELECT paper_id, kind, label, page, "order" FROM papers_figure GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1'
        " UNION ALL SELECT paper_id, fingerprint, '', 0, 0 FROM papers_figure WHERE fingerprint <> ''"
        " GROUP BY 1, 2 HAVING count(*) > 1"
    ),
    "dup_summaries": "SELECT paper_id, language FROM papers_summary GROUP BY 1, 2 HAVING count(*) > 1",
    # "Processed exactly once": one generated revision per summary.
    "regenerated": (
        "SELECT summary_id FROM papers_summaryrevision WHERE kind = 'generated' GROUP BY 1 HAVING count(*) > 1"
    ),
    "dup_entries": "SELECT digest_id, paper_id FROM digests_digestentry GROUP BY 1, 2 HAVING count(*) > 1",
    "unsummarized": (
        "SELECT p.id FROM papers_paper p WHERE p.status = 'summarized'"
        " AND NOT EXISTS (SELECT 1 FROM papers_summary s WHERE s.paper_id = p.id)"
    ),
    "stuck": "SELECT id FROM papers_paper WHERE status NOT IN ('summarized', 'failed') OR processing_until > %s",
}


def integrity() -> dict[str, int]:
    """Count rows that break "each thing once": any non-zero value is a defect."""
    from django.db import connection
    from django.utils import timezone

    def query():
        out = {}
        with connection.cursor() as cur:
            for name, sql in INTEGRITY_QUERIES.items():
                cur.execute(f"SELECT count(*) FROM ({sql}) AS q", [timezone.now()] if "%s" in sql else None)
                out[name] = cur.fetchone()[0]
            for name, sql in {
                "figures": "SELECT count(*) FROM papers_figure",
                "summaries": "SELECT count(*) FROM papers_summary",
                "links": "SELECT count(*) FROM papers_topicpaper",
                "entries": "SELECT count(*) FROM digests_digestentry",
                "tasks_failed": "SELECT count(*) FROM django_q_task WHERE success = false",
            }.items():
                cur.execute(sql)
                out[name] = cur.fetchone()[0]
        return out

    return db_retry(query)


def defects(report: dict[str, int]) -> int:
    return sum(report[name] for name in INTEGRITY_QUERIES)


def failures_sample(limit: int = 5) -> list[tuple[str, str, str]]:
    from papers.models import Paper

    return list(Paper.objects.filter(status="failed").values_list("arxiv_id", "failed_step", "last_error")[:limit])


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """Render ``rows`` as a plain-text table; ``columns`` is [(key, heading)]."""
    cells = [[heading for _, heading in columns]] + [[_fmt(row.get(key, "")) for key, _ in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def workdir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=f"paperdigest-{prefix}-")


def cpu_count() -> int:
    return os.cpu_count() or 1
