"""A whole arXiv day through the real pipeline: wall time against the slowest resource's lower bound.

    .venv/bin/python bench/day.py [--papers 200] [--latency 15]            # SQLite, ORM broker, 1 qcluster
    .venv/bin/python bench/day.py --papers 48 --latency 4                  # a quick run
    scripts/with-services.sh .venv/bin/python bench/day.py --services      # PostgreSQL + Redis, 2 qclusters

A local arXiv (API + realistic generated PDFs: tests/pdfgen.py's STANDARD_SET
plus long papers with many pages and large images, served round-robin) and a
local OpenAI-compatible server that answers each request after ``--latency``
seconds (jittered by ``--jitter``) play the outside world. Three overlapping
topics are ingested through the cluster as the daily schedule does, and
``manage.py qcluster`` (the default worker count unless ``--workers``) runs
the pipeline with the product's real pacing: PDFs ``--pdf-delay`` s apart
across all workers, ``--rpm`` LLM requests a minute, LLM_CONCURRENCY requests
in flight per worker.

Printed: wall time (ingest queued -> every paper terminal); the lower bound of
each resource measured in the same run — PDF pacing (downloads x delay), LLM
latency (sum of the answers' delays / requests in flight across all workers),
LLM budget (requests / rpm), parsing (the parse CPU of the day's PDFs, measured
afterwards in this process, / worker processes, at most the cores) — and the
ratio of wall to the largest (goal <= 1.15); the PDF pace lost (pauses between
downloads longer than the pace, largest first); the time until the first summary
is stored (goal < 60 s); the peak RSS of each cluster's largest processes
(its workers). Figures only; it exits non-zero only on an integrity defect.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

# STANDARD_SET's six kinds, then two long papers (20 pages, five large raster images each).
LONG = dict(
    body_paragraphs=40, figures=("raster", "plot", "raster", "multipanel", "raster", "table", "raster", "split")
)


def variants() -> tuple[dict, ...]:
    from tests.pdfgen import STANDARD_SET

    return (*STANDARD_SET, dict(LONG, seed=7), dict(LONG, seed=8, two_column=False))


class RssSampler(threading.Thread):
    """Peak RSS of every process below each cluster, sampled every half second."""

    def __init__(self, clusters: list[c.Cluster]):
        super().__init__(daemon=True)
        self.clusters = clusters
        self.peaks: list[dict[int, int]] = [{} for _ in clusters]
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        while not self._halt.wait(0.5):
            for peaks, cluster in zip(self.peaks, self.clusters):
                for proc in cluster.descendants():
                    try:
                        rss = proc.memory_info().rss
                    except psutil.Error:
                        continue
                    peaks[proc.pid] = max(peaks.get(proc.pid, 0), rss)

    def stop(self) -> None:
        self._halt.set()
        self.join(5)

    def worker_peaks(self, workers: int) -> list[int]:
        # The workers parse the PDFs: they are each cluster's largest processes.
        return [rss for peaks in self.peaks for rss in sorted(peaks.values(), reverse=True)[:workers]]


def parse_cpu_seconds(pool: list[bytes], uses: list[int]) -> float:
    """Parse CPU of the day: each distinct PDF parsed once here (thread CPU), times the papers that got it."""
    from papers.services.parse import paper_parse
    from tests.pdfgen import stored_paper

    per_pdf = []
    for i, data in enumerate(pool):
        paper = stored_paper(data, arxiv_id=f"2499.{i:05d}")
        started = time.thread_time()
        paper_parse(paper=paper)
        per_pdf.append(time.thread_time() - started)
    return sum(per_pdf[i] * n for i, n in enumerate(uses))


def pace_gaps(times: list[float], delay: float) -> list[tuple[float, float]]:
    """(when, seconds lost) for each pause between downloads longer than the pace, largest first."""
    gaps = [(a, b - a - delay) for a, b in zip(times, times[1:]) if b - a > 1.5 * delay]
    return sorted(gaps, key=lambda gap: -gap[1])


def day_run(args, *, tmp: Path) -> dict:
    rng = random.Random(19)
    delays: list[float] = []
    lock = threading.Lock()

    def respond(body):
        from tests.fake_llm import Reply, answer

        delay = args.latency * rng.uniform(1 - args.jitter, 1 + args.jitter)
        with lock:
            delays.append(delay)
        return Reply(answer("en"), delay=delay)

    from tests.fake_llm import FakeLLM

    clusters_n = 2 if args.services else 1
    c.log(f"generating {args.pdf_pool} PDFs and {args.papers} arXiv entries over 3 overlapping topics")
    with (
        c.FakeArxiv(papers=args.papers, pool_size=args.pdf_pool, variants=variants()) as arxiv,
        FakeLLM(responder=respond) as llm,
    ):
        extra = {
            "ARXIV_API_URL": arxiv.api_url,
            "ARXIV_PDF_DELAY_SECONDS": str(args.pdf_delay),
            "DIGEST_LLM": "openai",
            "DIGEST_LLM_MODEL": "fake-model",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "bench",
            "LLM_TIMEOUT_SECONDS": str(max(120.0, 4 * args.latency)),
        }
        if args.rpm is not None:
            extra["LLM_REQUESTS_PER_MINUTE"] = str(args.rpm)
        if args.batch is not None:
            extra["PIPELINE_BATCH_SIZE"] = str(args.batch)
        if not args.services:
            extra.update(SQLITE_PATH=str(tmp / "db.sqlite3"), DATABASE_URL="", Q_BROKER_URL="", CACHE_URL="")
        env = c.bench_environ(tmp, **extra)
        c.django_setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db.models import Min

        from papers.models import Summary

        if args.services:
            c.database_reset()
        else:
            call_command("migrate", verbosity=0, interactive=False)
        workers = args.workers or settings.Q_CLUSTER["workers"]
        topics = c.topics_create(papers=args.papers)
        clusters = [c.Cluster(workers=workers, env=env, logdir=tmp, name=f"day-{i}").start() for i in range(clusters_n)]
        sampler = RssSampler(clusters)
        sampler.start()
        try:
            c.log(f"{clusters_n} cluster(s) of {workers} workers up; queueing 3 ingest tasks")
            started_at = time.time()
            start = time.monotonic()
            c.ingest_enqueue(topics)
            counts = c.wait_until(
                c.all_terminal(args.papers), what="every paper terminal", within=args.within, label="day"
            )
            wall = time.monotonic() - start
        finally:
            sampler.stop()
            for cluster in clusters:
                cluster.stop()
        first = Summary.objects.aggregate(first=Min("created_at"))["first"]
        report = c.integrity()
        requests = len(llm.requests)
        in_flight = llm.max_in_flight
        pdf_times = [r.at - start for r in arxiv.server.requests if r.path.startswith("/pdf/")]
        pdf_requests = len(pdf_times)
        c.log("measuring the parse CPU of the day's PDFs")
        parse_cpu = parse_cpu_seconds(arxiv.pool, arxiv.pdf_uses())
        rpm = settings.LLM_REQUESTS_PER_MINUTE
        concurrency = settings.LLM_CONCURRENCY
        batch = getattr(settings, "PIPELINE_BATCH_SIZE", concurrency)
    slots = concurrency * workers * clusters_n
    processes = workers * clusters_n
    bounds = {
        "PDF pacing": pdf_requests * args.pdf_delay,
        "LLM latency": sum(delays) / slots,
        "LLM budget": 60 * requests / rpm if rpm > 0 else 0.0,
        "parsing": parse_cpu / min(processes, c.cpu_count()),
    }
    return {
        "wall": wall,
        "bounds": bounds,
        "first": first.timestamp() - started_at if first else float("nan"),
        "rss": sampler.worker_peaks(workers),
        "counts": counts,
        "report": report,
        "requests": requests,
        "in_flight": in_flight,
        "slots": slots,
        "pdf_requests": pdf_requests,
        "pdf_span": (min(pdf_times), max(pdf_times)) if pdf_times else (float("nan"), float("nan")),
        "pdf_gaps": pace_gaps(sorted(pdf_times), args.pdf_delay),
        "parse_cpu": parse_cpu,
        "workers": workers,
        "clusters": clusters_n,
        "rpm": rpm,
        "concurrency": concurrency,
        "batch": batch,
    }


def main(argv: list[str] | None = None) -> int:
    parser = c.argument_parser(__doc__)
    parser.add_argument("--papers", type=int, default=200, help="papers of the day (default 200)")
    parser.add_argument("--latency", type=float, default=15.0, help="seconds per LLM answer (default 15)")
    parser.add_argument("--jitter", type=float, default=0.3, help="latency varies by +-this share (default 0.3)")
    parser.add_argument("--pdf-delay", type=float, default=1.0, help="ARXIV_PDF_DELAY_SECONDS (default 1, arXiv's)")
    parser.add_argument("--rpm", type=int, default=None, help="LLM_REQUESTS_PER_MINUTE (default: the setting's)")
    parser.add_argument("--workers", type=int, default=None, help="workers per cluster (default: Q_WORKERS's)")
    parser.add_argument("--batch", type=int, default=None, help="PIPELINE_BATCH_SIZE (default: the setting's)")
    parser.add_argument("--pdf-pool", type=int, default=8, help="distinct PDFs served round-robin (default 8)")
    parser.add_argument("--services", action="store_true", help="PostgreSQL + Redis, 2 qclusters (with-services.sh)")
    parser.add_argument("--within", type=float, default=3600, help="seconds the run may take (default 3600)")
    args = parser.parse_args(argv)
    if args.services:
        c.services_check()
    else:
        for name in ("DATABASE_URL", "Q_BROKER_URL", "CACHE_URL"):
            os.environ.pop(name, None)

    with c.workdir("day") as tmp:
        row = day_run(args, tmp=Path(tmp))

    counts, report = row["counts"], row["report"]
    bound_name, bound = max(row["bounds"].items(), key=lambda item: item[1])
    print()
    print(
        f"Day: {counts['papers']} papers ({counts['failed']} failed), "
        f"{'PostgreSQL + Redis' if args.services else 'SQLite + ORM broker'}, "
        f"{row['clusters']} qcluster(s) x {row['workers']} workers, LLM_CONCURRENCY={row['concurrency']}, "
        f"PIPELINE_BATCH_SIZE={row['batch']}, {c.cpu_count()} cores"
    )
    print(
        f"  LLM: {row['requests']} requests, {args.latency:g} s +-{args.jitter:.0%} each, rpm {row['rpm']}, "
        f"max in flight {row['in_flight']}/{row['slots']}; PDFs: {row['pdf_requests']} downloads "
        f"{args.pdf_delay:g} s apart; parse CPU {row['parse_cpu']:.1f} s"
    )
    first_pdf, last_pdf = row["pdf_span"]
    print(f"  PDF downloads from {first_pdf:.1f} s to {last_pdf:.1f} s after the ingest was queued")
    gaps = row["pdf_gaps"]
    if gaps:
        largest = ", ".join(f"{lost:.1f} s at {at:.0f} s" for at, lost in gaps[:5])
        print(f"  PDF pace lost: {sum(lost for _, lost in gaps):.1f} s in {len(gaps)} pauses (largest: {largest})")
    for name, value in row["bounds"].items():
        print(f"  lower bound, {name:<11}: {value:7.1f} s")
    print(f"  wall                    : {row['wall']:7.1f} s")
    print(f"  wall / bound ({bound_name}): {row['wall'] / bound:.2f}   (goal <= 1.15)")
    print(f"  first summary after     : {row['first']:7.1f} s   (goal < 60)")
    print(f"  peak RSS per worker     : {', '.join(f'{rss / 2**20:.0f} MB' for rss in row['rss'])}")
    bad = c.defects(report) + counts["failed"] + counts["papers"] - counts["terminal"]
    print("integrity: OK (no duplicates, nothing stuck)" if not bad else f"integrity: {bad} DEFECTS {report}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
