"""Fault proof: kill a worker, restart PostgreSQL, restart Redis, each in the middle of a batch.

    scripts/with-services.sh .venv/bin/python bench/faults.py [--papers 400] [--scenarios kill-worker,restart-postgres,restart-redis]

Each scenario gets a fresh database, the schedules ``manage.py setup_schedules``
installs, a cluster with small Q_TIMEOUT/Q_RETRY (so leases expire and retries
happen within the bench) and the same fake arXiv as bench/scale.py. Once the
ingests are done and part of the papers are terminal, the fault is injected:

  kill-worker       SIGKILL one worker process of the cluster (found through the
                    cluster's own status in the broker, checked to be a descendant
                    of our qcluster with psutil), then restart the cluster.
  restart-postgres  ``pg_ctl restart -m fast`` (as the postgres user).
  restart-redis     SIGKILL redis-server and start it again on the same port. Like
                    the one scripts/with-services.sh starts, it keeps nothing on
                    disk, so every queued task is lost with it.

The run must then recover on its own: every paper terminal, no live lease,
no duplicate paper/figure/summary and no summary generated twice. A table shows
each scenario: papers, terminal, duplicates, stuck, and the seconds from the
fault until progress resumed and until every paper was terminal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

SCENARIOS = ("kill-worker", "restart-postgres", "restart-redis")


def services_dir() -> Path:
    path = os.environ.get("PAPERDIGEST_SERVICES_DIR")
    if not path:
        raise c.BenchError("PAPERDIGEST_SERVICES_DIR is not set: run under scripts/with-services.sh")
    return Path(path)


def postgres_restart() -> None:
    pgdata = services_dir() / "pg"
    cmd = [
        os.path.join(os.environ["PGBIN"], "pg_ctl"),
        "-D",
        str(pgdata),
        "-l",
        str(services_dir() / "pg.log"),
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
        "restart",
    ]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    if result.returncode:
        raise c.BenchError(f"pg_ctl restart failed ({result.returncode}): {result.stderr or result.stdout}")


def redis_restart() -> None:
    pidfile = services_dir() / "redis.pid"
    pid = int(pidfile.read_text().strip())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)
    time.sleep(1.0)  # a crash, then a restart a moment later
    port = os.environ["REDISPORT"]
    subprocess.run(
        [
            "redis-server",
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(pidfile),
            "--logfile",
            str(services_dir() / "redis.log"),
            "--dir",
            str(services_dir()),
        ],
        check=True,
        timeout=30,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise c.BenchError(f"redis-server did not come back on port {port}")


def fault_run(
    scenario: str, *, papers: int, workers: int, env: dict, logdir: Path, fault_at: float, within: float, resume: bool
) -> dict:
    from django.core.management import call_command

    c.log(f"{scenario}: resetting the database")
    c.database_reset()
    topics = c.topics_create(papers=papers)
    call_command("setup_schedules", verbosity=0, stdout=open(os.devnull, "w"))
    if not resume:
        from django_q.models import Schedule

        Schedule.objects.filter(name="pipeline:resume").delete()
    cluster = c.Cluster(workers=workers, env=env, logdir=logdir, name=scenario).start()
    try:
        c.ingest_enqueue(topics)
        target = max(1, int(papers * fault_at))
        before = c.wait_until(
            lambda n: n["runs_done"] >= len(topics) and n["terminal"] >= target,
            what=f"{target} terminal papers before the fault",
            within=within,
            label=scenario,
            cluster=cluster,
        )
        queued = c.queue_size()
        fault_time = time.monotonic()
        detail = ""
        if scenario == "kill-worker":
            pid = cluster.kill_worker()
            c.log(
                f"{scenario}: SIGKILLed worker {pid} holding {before['leased']} leased papers; restarting the cluster"
            )
            time.sleep(1.0)
            cluster.stop()
            cluster = c.Cluster(workers=workers, env=env, logdir=logdir, name=f"{scenario}-restarted").start()
            detail = f"worker {pid} killed, cluster restarted"
        elif scenario == "restart-postgres":
            postgres_restart()
            detail = "pg_ctl restart -m fast"
        elif scenario == "restart-redis":
            redis_restart()
            detail = f"redis SIGKILLed and restarted; {queued} queued tasks lost with it"
        c.log(f"{scenario}: fault injected ({detail}) at {before['terminal']}/{before['papers']} terminal")

        c.wait_until(
            lambda n: n["terminal"] > before["terminal"] or n["terminal"] == n["papers"],
            what="progress after the fault",
            within=within,
            label=scenario,
            cluster=cluster,
        )
        resumed_after = time.monotonic() - fault_time
        try:
            done = c.wait_until(
                c.all_terminal(papers),
                what="every paper terminal",
                within=within if resume else 3 * (int(env["Q_RETRY"]) + 60),
                label=scenario,
                cluster=cluster,
            )
            recovered_after = time.monotonic() - fault_time
        except c.BenchError:
            if resume:
                raise
            done, recovered_after = c.paper_counts(), "never"
        deadline = time.monotonic() + 120
        while c.queue_size() > 0 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        cluster.stop()
    report = c.integrity()
    row = {
        "scenario": scenario,
        "papers": done["papers"],
        "terminal": done["terminal"],
        "failed": done["failed"],
        "at_fault": before["terminal"],
        "leased": before["leased"],
        "queued": queued,
        "resumed_s": resumed_after,
        "recovered_s": recovered_after,
        **report,
        # Every generated paper is valid: a failed one was lost to the fault.
        "defects": c.defects(report) + done["failed"],
        "detail": detail,
    }
    if done["failed"]:
        c.log(f"{scenario}: failed papers (first 5): {c.failures_sample()}")
    c.log(f"{scenario}: all terminal {c._fmt(recovered_after)} s after the fault; defects {row['defects']}")
    return row


COLUMNS = [
    ("scenario", "scenario"),
    ("papers", "papers"),
    ("terminal", "terminal"),
    ("failed", "failed"),
    ("at_fault", "terminal at fault"),
    ("leased", "leased at fault"),
    ("queued", "queued at fault"),
    ("dup_papers", "dup papers"),
    ("dup_figures", "dup figures"),
    ("dup_summaries", "dup summaries"),
    ("regenerated", "regenerated"),
    ("stuck", "stuck"),
    ("resumed_s", "resumed after s"),
    ("recovered_s", "all terminal after s"),
]


def main(argv: list[str] | None = None) -> int:
    parser = c.argument_parser(__doc__)
    parser.add_argument("--papers", type=int, default=400, help="generated papers per scenario (default 400)")
    parser.add_argument("--workers", type=int, default=4, help="cluster workers (default 4)")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated subset of {', '.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--q-timeout", type=int, default=20, help="Q_TIMEOUT: task timeout and lease length, s (default 20)"
    )
    parser.add_argument("--q-retry", type=int, default=30, help="Q_RETRY: broker re-delivery after, s (default 30)")
    parser.add_argument(
        "--batch",
        type=int,
        default=8,
        help="PIPELINE_BATCH_SIZE: papers per task, small enough for the short Q_TIMEOUT (default 8)",
    )
    parser.add_argument(
        "--fault-at", type=float, default=0.3, help="inject when this share of papers is terminal (default 0.3)"
    )
    parser.add_argument(
        "--within", type=float, default=600, help="seconds each wait may take before giving up (default 600)"
    )
    parser.add_argument(
        "--no-resume",
        action="store_true",
        help="without the pipeline:resume schedule: shows what a lost task leaves behind",
    )
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    c.services_check()
    services_dir()
    rows = []
    with c.workdir("faults") as tmp:
        tmp = Path(tmp)
        with c.FakeArxiv(papers=args.papers) as arxiv:
            env = c.bench_environ(
                tmp,
                ARXIV_API_URL=arxiv.api_url,
                Q_TIMEOUT=str(args.q_timeout),
                Q_RETRY=str(args.q_retry),
                PIPELINE_RESUME_MINUTES="1",
                PIPELINE_BATCH_SIZE=str(args.batch),
            )
            c.django_setup()
            for scenario in scenarios:
                rows.append(
                    fault_run(
                        scenario,
                        papers=args.papers,
                        workers=args.workers,
                        env=env,
                        logdir=tmp,
                        fault_at=args.fault_at,
                        within=args.within,
                        resume=not args.no_resume,
                    )
                )
    print()
    print(
        f"Faults: {args.papers} papers per scenario over 3 overlapping topics, {args.workers} workers, "
        f"Q_TIMEOUT={args.q_timeout}s Q_RETRY={args.q_retry}s, pipeline:resume "
        f"{'every 1 min' if not args.no_resume else 'OFF'}, PostgreSQL + Redis broker, arXiv pacing off (local servers)"
    )
    print(c.table(rows, COLUMNS))
    for row in rows:
        print(f"  {row['scenario']}: {row['detail']}")
    bad = sum(row["defects"] for row in rows) + sum(row["papers"] - row["terminal"] for row in rows)
    print(
        "integrity: OK (every paper summarized exactly once, nothing stuck)" if not bad else f"integrity: {bad} DEFECTS"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
