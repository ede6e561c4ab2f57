"""Load proof: wrk against gunicorn on PostgreSQL while a pipeline batch runs in a qcluster.

    scripts/with-services.sh .venv/bin/python bench/load.py [--duration 30] [--connections 64]

Publishes a day of papers (three overlapping topics, processed by a cluster),
then queues a second, larger day for the cluster and, while it is processed,
runs ``wrk --latency`` against gunicorn (``config.wsgi``, DJANGO_ENV=production,
static files collected and served by whitenoise) for the published digest page
and the RSS feed, with the public page cache as production has it
(PUBLIC_CACHE_SECONDS=600, in Redis); ``--page-cache 600,0`` adds runs with
the cache off, which show what a cold page costs (on 2 cores, 64 connections
then overload two sync workers: expect timeouts). Prints requests/s, p50/p99 latency and
errors (non-2xx responses and socket errors; the target is 0) with how many
papers the pipeline finished during each run. SECURE_SSL_REDIRECT is turned
off (DJANGO_SECURE_SSL_REDIRECT=0): there is no TLS on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    c.log("wrk is missing; installing Debian's wrk with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False, timeout=300)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        check=False,
        timeout=300,
    )
    path = shutil.which("wrk")
    if not path:
        raise c.BenchError("wrk is not installed and `apt-get install wrk` did not install it")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn config.wsgi`` with production settings, in its own process group."""

    def __init__(self, *, env: dict, workers: int, logdir: Path, cache_seconds: int):
        self.port = free_port()
        self.env = {**env, "PUBLIC_CACHE_SECONDS": str(cache_seconds)}
        self.cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
        ]
        self.log_path = logdir / f"gunicorn-{cache_seconds}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        import requests

        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=c.ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise c.BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.base_url + "/robots.txt", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise c.BenchError(f"gunicorn did not answer within 60 s:\n{self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        import signal

        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._log.close()


def wrk_run(url: str, *, duration: int, connections: int, threads: int) -> dict:
    result = subprocess.run(
        [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if result.returncode:
        raise c.BenchError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return wrk_parse(result.stdout)


def wrk_parse(text: str) -> dict:
    """Pull requests/s, p50/p99 (ms) and error counts out of ``wrk --latency`` output."""

    def latency(pct: str) -> float:
        match = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(match[1]) * UNITS[match[2]] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "rps": float(rps[1]) if rps else float("nan"),
        "requests": int(total[1]) if total else 0,
        "p50": latency("50"),
        "p99": latency("99"),
        "non2xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sock.groups()) if sock else 0,
    }


def day_publish(topics, *, day: datetime.date) -> list[str]:
    """Build and publish each topic's digest of ``day``; return their URLs."""
    from digests.services.build import digest_build
    from digests.services.publish import digest_publish

    urls = []
    for topic in topics:
        digest = digest_build(topic=topic, date=day)
        if digest.status != "published":
            digest = digest_publish(digest=digest, user=None, override=True)
        urls.append(digest.get_absolute_url())
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = c.argument_parser(__doc__)
    parser.add_argument("--papers", type=int, default=150, help="papers of the published day (default 150)")
    parser.add_argument("--batch", type=int, default=1500, help="papers processed while loading (default 1500)")
    parser.add_argument("--workers", type=int, default=2, help="qcluster workers (default 2)")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run (default 30)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--page-cache", default="600", help="PUBLIC_CACHE_SECONDS values to measure, e.g. 600,0 (default 600)"
    )
    parser.add_argument("--within", type=float, default=900, help="seconds the setup may take before giving up")
    args = parser.parse_args(argv)
    cache_values = [int(v) for v in args.page_cache.split(",") if v.strip()]

    c.services_check()
    wrk_path()
    day1, day2 = c.DIGEST_DATE, c.DIGEST_DATE + datetime.timedelta(days=1)
    rows = []
    with c.workdir("load") as tmp:
        tmp = Path(tmp)
        with (
            c.FakeArxiv(papers=args.papers, prefix="2405", day=day1) as first,
            c.FakeArxiv(papers=args.batch, prefix="2406", day=day2) as second,
        ):
            env = c.bench_environ(tmp, STATIC_ROOT=str(tmp / "static"))
            c.django_setup()
            from papers.services.ingest import topic_ingest

            c.database_reset()
            topics = c.topics_create(papers=max(args.papers, args.batch))
            web_env = {
                **env,
                "DJANGO_ENV": "production",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_DEBUG": "0",
            }
            c.log("collectstatic (production storage)")
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=c.ROOT,
                env=web_env,
                check=True,
                timeout=300,
            )

            with c.Cluster(workers=args.workers, env=env, logdir=tmp, name="load") as cluster:
                c.log(f"publishing day 1: {args.papers} papers")
                for topic in topics:
                    topic_ingest(topic=topic, digest_date=day1, source_url=first.api_url)
                c.wait_until(
                    c.all_terminal(args.papers),
                    what="day 1 processed",
                    within=args.within,
                    label="day 1",
                    cluster=cluster,
                )
                urls = day_publish(topics, day=day1)
                targets = {"digest page": urls[1], "RSS feed": "/feeds/rss.xml"}

                c.log(f"queueing day 2: {args.batch} papers for the cluster")
                for topic in topics:
                    topic_ingest(topic=topic, digest_date=day2, source_url=second.api_url)
                total = args.papers + args.batch
                for cache_seconds in cache_values:
                    with Gunicorn(
                        env=web_env, workers=args.gunicorn_workers, logdir=tmp, cache_seconds=cache_seconds
                    ) as web:
                        import requests

                        for name, path in targets.items():
                            response = requests.get(web.base_url + path, timeout=30, allow_redirects=False)
                            if response.status_code != 200:
                                raise c.BenchError(f"{name} {path} answered {response.status_code}, not 200")
                            before = c.paper_counts()["terminal"]
                            c.log(
                                f"wrk {args.duration} s x {args.connections} connections: {name} {path} "
                                f"(page cache {cache_seconds} s)"
                            )
                            figures = wrk_run(
                                web.base_url + path,
                                duration=args.duration,
                                connections=args.connections,
                                threads=args.threads,
                            )
                            after = c.paper_counts()["terminal"]
                            rows.append(
                                {
                                    "page": name,
                                    "path": path,
                                    "cache": f"{cache_seconds} s" if cache_seconds else "off",
                                    **figures,
                                    "errors": figures["non2xx"] + figures["socket_errors"],
                                    "pipeline": f"{after - before} done"
                                    + ("" if after < total else " (batch finished)"),
                                }
                            )
                            c.log(
                                f"  {figures['rps']:.0f} req/s, p50 {figures['p50']:.1f} ms, "
                                f"p99 {figures['p99']:.1f} ms, errors {rows[-1]['errors']}"
                            )
                left = c.paper_counts()
                c.log(f"pipeline: {left['terminal']}/{left['papers']} terminal when the load ended; stopping")
                # The rest of the batch is not the point here: drop it rather than wait.
                from django_q.brokers import get_broker

                get_broker().purge_queue()
    print()
    print(
        f"Load: gunicorn -w {args.gunicorn_workers} (DJANGO_ENV=production, whitenoise) on PostgreSQL, Redis cache; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency; meanwhile a {args.workers}-worker "
        f"qcluster processes a {args.batch}-paper day; all on {c.cpu_count()} CPU cores"
    )
    print(
        c.table(
            rows,
            [
                ("page", "page"),
                ("cache", "page cache"),
                ("rps", "req/s"),
                ("requests", "requests"),
                ("p50", "p50 ms"),
                ("p99", "p99 ms"),
                ("non2xx", "non-2xx"),
                ("socket_errors", "socket errors"),
                ("pipeline", "papers processed meanwhile"),
            ],
        )
    )
    bad = sum(row["errors"] for row in rows)
    print("errors: 0" if not bad else f"errors: {bad} (must be 0)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
