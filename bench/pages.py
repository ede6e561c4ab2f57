"""Benchmark the digest page: cached vs uncached vs the same HTML as a static file.

Usage:  .venv/bin/python bench/pages.py [--papers 50] [--seconds 5] [--rounds 3] [--connections 8] [--settings M] [--quick]
Needs:  wrk (Debian: `apt-get install -y wrk`) and gunicorn (the `scale` extra).

It builds a digest of 50 papers in a temporary SQLite database, serves the site
with gunicorn + whitenoise on 127.0.0.1 (DEBUG off, so templates are compiled
once per worker), and in one run measures with wrk:
  (a) the digest page with the page cache on,
  (b) the same page with the page cache off (every request queries and renders),
  (c) the same HTML saved under STATIC_ROOT and served by whitenoise from the
      same gunicorn as (a).
(a) and (c) alternate for several rounds so other load on the machine hits
both alike. Every request sends ``Accept-Encoding: identity``: neither side
compresses. It prints requests/s and server CPU per request of each, the
ratio (a)/(c) (target >= 0.8), the median time of an uncached render measured
one request at a time (target < 50 ms), the render time with every memo
cleared, and the load average, since other processes share the cores.

Then it reports bytes on the wire, one request each with ``Accept-Encoding``
identity, gzip and br, for the digest page, the static copy (whitenoise
serves a precompressed ``.gz``/``.br`` beside it when one exists) and every
feed, with the ``Content-Encoding`` actually served, and the requests/s of
the cached page and of the static file when both are asked for gzip (the
page is compressed on every answer; the static file once, ahead of time).
``--quick`` runs everything once, briefly: a check that the bench still
works, not a measurement.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = Path(PYTHON).with_name("gunicorn")
WORKERS = 2

BUILD_DATA = r"""
import datetime, io, sys
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from digests.models import Digest, DigestEntry
from papers.models import Figure, Paper, Topic
from papers.services.revisions import Generation, summary_record_generated

papers = int(sys.argv[1])
def png(w, h):
    buf = io.BytesIO(); Image.new("RGB", (w, h), "#3060c0").save(buf, format="PNG"); return ContentFile(buf.getvalue())
topic = Topic.objects.create(name="Diffusion Models", slug="diffusion", arxiv_query='abs:"diffusion"', language="zh-hans")
digest = Digest.objects.create(topic=topic, date=datetime.date(2024, 5, 2), status="published",
                               published_at=timezone.now() - datetime.timedelta(hours=1))
now = timezone.now()
for i in range(papers):
    paper = Paper.objects.create(
        arxiv_id=f"2405.{10000 + i}", title=f"Probing Diffusion Model {i}: A Transferable Attack on $\\mathcal{{L}}_{{{i}}}$",
        abstract=("Advanced text-to-image diffusion models raise safety concerns. We minimise $\\|x - \\hat{x}\\|_2^2$ "
                  "and show $$\\mathbb{E}_{t}\\left[\\frac{1}{T}\\sum_{t=1}^{T} \\epsilon_t\\right]$$ bounds. ") * 3,
        authors=["Xiaoxuan Han", "Songlin Yang", "Wei Wang", "Yang Li", "Jing Dong"], primary_category="cs.CV",
        categories=["cs.CV"], comment="12 pages, 6 figures", published=now, updated=now,
        abs_url=f"http://arxiv.org/abs/2405.{10000 + i}v1", pdf_url=f"http://arxiv.org/pdf/2405.{10000 + i}v1")
    summary_record_generated(
        paper=paper, language="zh-hans", generation=Generation(backend="openai", model_name="gpt-4o-mini"),
        content=dict(
        one_line="扩散模型的反学习研究存在安全隐患，本文提出了一种迁移性的对抗攻击方法 $x^2$。",
        key_takeaways=["反学习方法会将文本到图像的映射关系进行重新分布。", "目前探测反学习鲁棒性的方法缺乏可迁移性。",
                       "本文提出了一个对抗性搜索策略 $\\alpha$。", "实验表明方法有效。"],
        translated_title="探测未学习扩散模型：可转移对抗攻击视角", keywords=["Diffusion", "Unlearning", "Attack"],
        background="文本到图像（T2I）扩散模型在生成高质量图像方面取得了显著进展，但也带来了**安全**问题。" * 2,
        prior_work="现有的概念擦除方法通过改变文本到图像的映射来实现擦除任务。" * 2,
        method="本文提出了一种可转移的对抗攻击：$$\\min_{e} \\mathcal{L}(e) = \\sum_i \\|f(e) - y_i\\|^2$$" * 2,
        results="实验表明，所搜索的对抗嵌入具有可转移性。" * 2,
        method_steps=["提出可转移的对抗攻击方法；", "采用对抗搜索策略；", "在不同模型上攻击；", "实验验证。"],
        significance="为恢复擦除的概念提供了新的思路。", innovation="可转移的对抗攻击。",
        performance="在多个方法上有效。", workload="需要较多计算资源。"))
    for n in range(4):
        # Sizes stored as the PDF step stores them: without them Django re-opens
        # both image files every time a Figure row is loaded.
        figure = Figure(paper=paper, label=f"Figure {n + 1}", caption="Overview of the attack.", order=n,
                        width=64, height=40, thumb_width=32, thumb_height=20)
        figure.image.name = default_storage.save(f"figures/{paper.arxiv_id}/figure.png", png(64, 40))
        figure.thumbnail.name = default_storage.save(f"figures/{paper.arxiv_id}/thumb.png", png(32, 20))
        figure.save()
    DigestEntry.objects.create(digest=digest, paper=paper, position=i)
print(digest.get_absolute_url())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi:application", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
            return process
        except requests.RequestException:  # not listening yet, or a worker still booting on a busy machine
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# Every request, by wrk or by requests, asks for the same encoding: identity.
# The page cache holds uncompressed HTML and whitenoise has no .gz/.br of the
# saved file, so (a), (b) and (c) all send the same uncompressed bytes.
ACCEPT_ENCODING = "identity"


def wrk(url: str, *, seconds: int, connections: int, encoding: str = ACCEPT_ENCODING) -> tuple[float, int]:
    """Return (requests/s, requests) of one wrk run against ``url``."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Accept-Encoding: {encoding}", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses", out):
        raise SystemExit(f"wrk saw errors for {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rate, int(re.search(r"(\d+) requests in", out).group(1))


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """Return the CPU time (user + system) the gunicorn master and its workers have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [process.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == process.pid:  # fields[1] is the parent pid
            pids.append(int(stat.parent.name))
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(
    process: subprocess.Popen, url: str, *, seconds: int, connections: int, encoding: str = ACCEPT_ENCODING
) -> tuple[float, float]:
    """Return (requests/s, server CPU ms per request) of one wrk run, after a warm-up run."""
    wrk(url, seconds=min(2, seconds), connections=connections, encoding=encoding)
    before = server_cpu_seconds(process)
    rate, count = wrk(url, seconds=seconds, connections=connections, encoding=encoding)
    return rate, (server_cpu_seconds(process) - before) * 1000 / max(count, 1)


# What a browser or feed reader may ask for; each is asked for alone.
WIRE_ENCODINGS = ("identity", "gzip", "br")


def wire_bytes(url: str) -> dict[str, tuple[int, str]]:
    """Return, per Accept-Encoding, (body bytes as sent, Content-Encoding served) of one GET."""
    sizes = {}
    for encoding in WIRE_ENCODINGS:
        response = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
        response.raise_for_status()
        body = response.raw.read(decode_content=False)
        sizes[encoding] = (len(body), response.headers.get("Content-Encoding", "identity"))
    return sizes


def feed_paths(topic: str) -> list[tuple[str, str]]:
    return [
        ("site RSS", "/feeds/rss.xml"),
        ("site Atom", "/feeds/atom.xml"),
        ("topic RSS", f"/feeds/{topic}/rss.xml"),
        ("topic Atom", f"/feeds/{topic}/atom.xml"),
        ("topic papers RSS", f"/feeds/{topic}/papers/rss.xml"),
        ("topic papers Atom", f"/feeds/{topic}/papers/atom.xml"),
    ]


def precompress(path: Path) -> None:
    """Write ``path``.gz (and .br where the brotli module is installed), as collectstatic would."""
    data = path.read_bytes()
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    try:
        import brotli
    except ImportError:
        return
    path.with_name(path.name + ".br").write_bytes(brotli.compress(data))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# Rendered in a fresh process with every memo cleared before each render: the
# cost of a page nobody has asked for since its summaries last changed.
COLD_RENDER = r"""
import statistics, sys, time
import django
django.setup()
from django.test import Client
from digests import presentation, rendering
client, url, samples = Client(), sys.argv[1], int(sys.argv[2])
client.get(url)  # compile templates, open the database
timings = []
for _ in range(samples):
    rendering.clear_memo()
    presentation.clear_memo()
    start = time.perf_counter()
    assert client.get(url).status_code == 200
    timings.append((time.perf_counter() - start) * 1000)
print(statistics.median(timings))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating (a)/(c) rounds")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--samples", type=int, default=40, help="sequential requests for the median render time")
    parser.add_argument("--settings", default="config.settings", help="Django settings module to serve with")
    parser.add_argument("--quick", action="store_true", help="one short round of everything: does the bench still run")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds, args.samples = 1, 1, 8
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not GUNICORN.exists():
        raise SystemExit("gunicorn is not installed: .venv/bin/pip install -e '.[scale]'")

    with tempfile.TemporaryDirectory(prefix="paperdigest-bench-") as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": args.settings,
            "DJANGO_DEBUG": "0",
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "MEDIA_ROOT": str(tmp / "media"),
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("CACHE_URL", None)  # each worker's local-memory cache, as a single box would run it
        env.pop("DATABASE_URL", None)

        def run(*cmd: str, **extra_env: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [PYTHON, *cmd], cwd=ROOT, env={**env, **extra_env}, check=True, capture_output=True, text=True
            )

        run("manage.py", "migrate", "--noinput")
        run("manage.py", "collectstatic", "--noinput")
        path = run("-c", BUILD_DATA, str(args.papers)).stdout.strip().splitlines()[-1]
        print(f"digest of {args.papers} papers at {path}; settings {args.settings}; gunicorn {WORKERS} sync workers; "
              f"wrk 1 thread, {args.connections} connections, {args.seconds} s per run; load average {load_average()}")  # fmt: skip

        # (b) page cache off: every request renders from the database.
        port = free_port()
        server = start_server({**env, "PUBLIC_CACHE_SECONDS": "0"}, port)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            first = time.perf_counter()
            html = requests.get(url, headers={"Accept-Encoding": ACCEPT_ENCODING}, timeout=30).content
            cold_ms = (time.perf_counter() - first) * 1000
            timings = []
            for _ in range(args.samples):
                start = time.perf_counter()
                response = requests.get(url, headers={"Accept-Encoding": ACCEPT_ENCODING}, timeout=30)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            uncached, uncached_cpu = measure(server, url, seconds=args.seconds, connections=args.connections)
        finally:
            stop_server(server)
        no_memo_ms = float(
            run("-c", COLD_RENDER, path, str(max(5, args.samples // 4)), PUBLIC_CACHE_SECONDS="0").stdout.split()[-1]
        )
        static_file = tmp / "static" / "bench" / "digest.html"
        static_file.parent.mkdir(parents=True, exist_ok=True)
        static_file.write_bytes(html)
        # Served precompressed, as whitenoise serves every collected file: the fair gzip comparison.
        precompress(static_file)

        # (a) and (c) on one server, alternating so that a change in the
        # machine's other load hits both alike; the ratio is the median of the
        # per-round ratios.
        port = free_port()
        server = start_server({**env, "PUBLIC_CACHE_SECONDS": "600"}, port)
        rounds = []
        try:
            for _ in range(args.rounds):
                cached = measure(
                    server, f"http://127.0.0.1:{port}{path}", seconds=args.seconds, connections=args.connections
                )
                static = measure(server, f"http://127.0.0.1:{port}/static/bench/digest.html", seconds=args.seconds,
                                 connections=args.connections)  # fmt: skip
                rounds.append((cached, static))
            base = f"http://127.0.0.1:{port}"
            topic = path.strip("/").split("/")[1]
            wire = [("digest page", path), ("same HTML, static", "/static/bench/digest.html"), *feed_paths(topic)]
            wire = [(label, p, wire_bytes(base + p)) for label, p in wire]
            cached_gzip = measure(server, base + path, seconds=args.seconds, connections=args.connections,
                                  encoding="gzip")  # fmt: skip
            static_gzip = measure(server, base + "/static/bench/digest.html", seconds=args.seconds,
                                  connections=args.connections, encoding="gzip")  # fmt: skip
        finally:
            stop_server(server)

    cached = statistics.median(a[0] for a, _ in rounds)
    static = statistics.median(c[0] for _, c in rounds)
    cached_cpu = statistics.median(a[1] for a, _ in rounds)
    static_cpu = statistics.median(c[1] for _, c in rounds)
    ratio = statistics.median(a[0] / c[0] for a, c in rounds)
    median = statistics.median(timings)
    print(f"load average (1, 5, 15 min)    {load_average()}  (other processes share these cores)")
    print(f"page size                      {len(html) / 1024:8.1f} KiB, Accept-Encoding: {ACCEPT_ENCODING} everywhere")
    print(f"(a) digest page, cached        {cached:8.0f} req/s  {cached_cpu:6.2f} ms server CPU/request")
    print(f"(b) digest page, uncached      {uncached:8.0f} req/s  {uncached_cpu:6.2f} ms server CPU/request")
    print(f"(c) same HTML as static file   {static:8.0f} req/s  {static_cpu:6.2f} ms server CPU/request")
    print("    (a), (c): median of " + ", ".join(f"{a[0]:.0f}/{c[0]:.0f}" for a, c in rounds) + " req/s")
    print(f"(a)/(c)                        {ratio:8.2f}   (target >= 0.8; median of {args.rounds} alternating rounds)")
    print(f"(a)/(c) by server CPU          {static_cpu / cached_cpu:8.2f}   (less sensitive to other load)")
    print(f"(a)/(b)                        {cached / uncached:8.2f}")
    print(f"uncached render, median        {median:8.1f} ms  (target < 50 ms; {args.samples} sequential requests)")
    print(f"uncached render, p90           {statistics.quantiles(timings, n=10)[-1]:8.1f} ms")
    print("    uncached = no page cache: every request queries the database and renders the templates;")
    print("    each worker memoises Markdown/MathML and each summary's section on the summary's text,")
    print("    so an edit (new text) renders afresh without any invalidation step")
    print(f"render with every memo cleared {no_memo_ms:8.1f} ms  (in-process, no HTTP: all summaries just changed)")
    print(f"first request of a new worker  {cold_ms:8.1f} ms  (nothing memoised, templates not yet compiled)")
    print()
    print("bytes on the wire, one GET per Accept-Encoding (KiB, and the Content-Encoding served)")
    print(f"    {'':20}" + "".join(f"{encoding:>20}" for encoding in WIRE_ENCODINGS))
    for label, _path, sizes in wire:
        cells = "".join(f"{size / 1024:>11.1f} {served:>8}" for size, served in (sizes[e] for e in WIRE_ENCODINGS))
        print(f"    {label:20}{cells}")
    print(f"(a) digest page, cached, gzip  {cached_gzip[0]:8.0f} req/s  {cached_gzip[1]:6.2f} ms server CPU/request")
    print(f"(c) static file, .gz           {static_gzip[0]:8.0f} req/s  {static_gzip[1]:6.2f} ms server CPU/request")
    print(
        f"(a)/(c) with gzip              {cached_gzip[0] / static_gzip[0]:8.2f}   (the cache keeps each page gzipped once)"
    )
    if args.quick:
        print("--quick: one short round; the figures above check that the bench runs, they measure little")


if __name__ == "__main__":
    main()
