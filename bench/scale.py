"""Scale proof: a django-q2 cluster on PostgreSQL + Redis over N generated papers.

    scripts/with-services.sh .venv/bin/python bench/scale.py [--papers 2000] [--workers 1,4]

For each worker count: a fresh database, a fake arXiv (API + generated PDFs)
in a thread of this process, three overlapping topics, one queued ingest task
per topic (as the daily schedule queues them), and ``manage.py qcluster`` with
Q_WORKERS=N until every paper is summarized or failed. Then the database is
checked for duplicate papers, links, figures, summaries, regenerated
summaries and stuck papers, and papers/minute is printed per worker count
with the speed-up. Figures only; nothing here asserts a timing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402


def scale_run(*, papers: int, workers: int, env: dict, logdir: Path, within: float) -> dict:
    """Run one batch on a fresh database with ``workers`` workers; return its figures and checks."""
    c.log(f"{workers} worker(s): resetting the database and migrating")
    c.database_reset()
    return scale_batch(papers=papers, workers=workers, env=env, logdir=logdir, within=within)


def scale_batch(*, papers: int, workers: int, env: dict, logdir: Path, within: float) -> dict:
    """On a migrated, empty database: ingest the topics through the cluster and process everything."""
    label = f"{workers} worker{'s' if workers > 1 else ''}"
    topics = c.topics_create(papers=papers)
    cluster = c.Cluster(workers=workers, env=env, logdir=logdir, name=f"scale-w{workers}")
    with cluster:
        c.log(f"{label}: cluster up (pids {cluster.worker_pids()}); queueing 3 ingest tasks")
        start = time.monotonic()
        c.ingest_enqueue(topics)
        counts = c.wait_until(
            c.all_terminal(papers), what="every paper terminal", within=within, label=label, cluster=cluster
        )
        elapsed = time.monotonic() - start
        # Later duplicates of already-finished papers may still sit in the queue: let them drain.
        deadline = time.monotonic() + 120
        while c.queue_size() > 0 and time.monotonic() < deadline:
            time.sleep(0.5)
    ingest = _ingest_seconds()
    report = c.integrity()
    row = {
        "workers": workers,
        "papers": counts["papers"],
        "terminal": counts["terminal"],
        "failed": counts["failed"],
        "seconds": elapsed,
        "ingest_s": ingest,
        "per_min": 60 * counts["papers"] / elapsed,
        **report,
        # Every generated paper is valid: a failed one is a defect too.
        "defects": c.defects(report) + counts["failed"],
    }
    if counts["failed"]:
        c.log(f"{label}: failed papers (first 5): {c.failures_sample()}")
    c.log(
        f"{label}: {counts['papers']} papers in {elapsed:.1f} s = {row['per_min']:.0f} papers/min; defects {row['defects']}"
    )
    return row


def _ingest_seconds() -> float:
    from django.db.models import Max, Min

    from papers.models import IngestRun

    span = IngestRun.objects.aggregate(start=Min("started_at"), end=Max("finished_at"))
    return (span["end"] - span["start"]).total_seconds() if span["end"] else float("nan")


COLUMNS = [
    ("workers", "workers"),
    ("papers", "papers"),
    ("terminal", "terminal"),
    ("failed", "failed"),
    ("seconds", "wall s"),
    ("ingest_s", "ingest s"),
    ("per_min", "papers/min"),
    ("links", "topic links"),
    ("figures", "figures"),
    ("summaries", "summaries"),
    ("dup_papers", "dup papers"),
    ("dup_figures", "dup figures"),
    ("dup_summaries", "dup summaries"),
    ("regenerated", "regenerated"),
    ("stuck", "stuck"),
    ("tasks_failed", "failed tasks"),
]


def main(argv: list[str] | None = None) -> int:
    parser = c.argument_parser(__doc__)
    parser.add_argument("--papers", type=int, default=2000, help="generated papers (default 2000)")
    parser.add_argument(
        "--workers", default="1,4", help="comma-separated worker counts, one fresh run each (default 1,4)"
    )
    parser.add_argument(
        "--pdf-pool", type=int, default=12, help="distinct generated PDFs served round-robin (default 12)"
    )
    parser.add_argument(
        "--within", type=float, default=3600, help="seconds each run may take before giving up (default 3600)"
    )
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]

    c.services_check()
    with c.workdir("scale") as tmp:
        tmp = Path(tmp)
        c.log(f"generating {args.pdf_pool} PDFs and {args.papers} arXiv entries over 3 overlapping topics")
        with c.FakeArxiv(papers=args.papers, pool_size=args.pdf_pool) as arxiv:
            env = c.bench_environ(tmp, ARXIV_API_URL=arxiv.api_url)
            c.django_setup()
            rows = [scale_run(papers=args.papers, workers=w, env=env, logdir=tmp, within=args.within) for w in counts]
    print()
    print(
        f"Scale: {args.papers} papers, {arxiv.links()} topic links over 3 overlapping topics, "
        f"extractive summaries, {args.pdf_pool} distinct generated PDFs served round-robin by a local server"
    )
    print(
        f"PostgreSQL + Redis broker; arXiv pacing off (ARXIV_*_DELAY_SECONDS=0: local servers); "
        f"{c.cpu_count()} CPU cores on this machine"
    )
    print(c.table(rows, COLUMNS))
    base = next((r for r in rows if r["workers"] == min(counts)), None)
    for row in rows:
        if base and row is not base:
            print(f"speed-up {base['workers']} -> {row['workers']} workers: {row['per_min'] / base['per_min']:.2f}x")
    bad = sum(row["defects"] for row in rows) + sum(row["papers"] - row["terminal"] for row in rows)
    print("integrity: OK (no duplicates, nothing stuck)" if not bad else f"integrity: {bad} DEFECTS, see the table")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
