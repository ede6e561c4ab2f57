"""Benchmark the digest page: cached vs uncached vs the same HTML as a static file.

Usage:  .venv/bin/python bench/pages.py [--papers 50] [--seconds 10] [--connections 8]
Needs:  wrk (Debian: `apt-get install -y wrk`) and gunicorn (the `scale` extra).

It builds a digest of 50 papers in a temporary SQLite database, serves the site
with gunicorn + whitenoise on 127.0.0.1, and in one run measures with wrk:
  (a) the digest page with the page cache on,
  (b) the same page with the page cache off (every request renders),
  (c) the same HTML saved under STATIC_ROOT and served by whitenoise from the
      same gunicorn as (a).
It prints requests/s of each, the ratio (a)/(c) (target >= 0.8) and the
median time of an uncached render measured one request at a time (target < 50 ms).
"""

from __future__ import annotations

import argparse
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
from django.utils import timezone
from PIL import Image
from digests.models import Digest, DigestEntry
from papers.models import Figure, Paper, Summary, Topic

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
    Summary.objects.create(
        paper=paper, language="zh-hans", backend="openai", model_name="gpt-4o-mini",
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
        performance="在多个方法上有效。", workload="需要较多计算资源。")
    for n in range(4):
        figure = Figure(paper=paper, label=f"Figure {n + 1}", caption="Overview of the attack.", order=n)
        figure.image.save("figure.png", png(64, 40), save=False)
        figure.thumbnail.save("thumb.png", png(32, 20), save=False)
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
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wrk(url: str, *, seconds: int, connections: int) -> float:
    subprocess.run(["wrk", "-t1", f"-c{connections}", "-d2s", url], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url], check=True, capture_output=True, text=True
    ).stdout
    if re.search(r"Non-2xx or 3xx responses", out):
        raise SystemExit(f"wrk saw errors for {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--samples", type=int, default=40, help="sequential requests for the median render time")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not GUNICORN.exists():
        raise SystemExit("gunicorn is not installed: .venv/bin/pip install -e '.[scale]'")

    with tempfile.TemporaryDirectory(prefix="paperdigest-bench-") as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "MEDIA_ROOT": str(tmp / "media"),
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("CACHE_URL", None)  # each worker's local-memory cache, as a single box would run it
        env.pop("DATABASE_URL", None)
        run = lambda *cmd: subprocess.run([PYTHON, *cmd], cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # noqa: E731
        run("manage.py", "migrate", "--noinput")
        run("manage.py", "collectstatic", "--noinput")
        path = run("-c", BUILD_DATA, str(args.papers)).stdout.strip().splitlines()[-1]
        print(f"digest of {args.papers} papers at {path}; gunicorn {WORKERS} sync workers; "
              f"wrk 1 thread, {args.connections} connections, {args.seconds} s per run")  # fmt: skip

        # (b) page cache off: every request renders from the database.
        port = free_port()
        server = start_server({**env, "PUBLIC_CACHE_SECONDS": "0"}, port)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            first = time.perf_counter()
            html = requests.get(url, timeout=30).content
            cold_ms = (time.perf_counter() - first) * 1000
            timings = []
            for _ in range(args.samples):
                start = time.perf_counter()
                response = requests.get(url, timeout=30)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            uncached = wrk(url, seconds=args.seconds, connections=args.connections)
        finally:
            stop_server(server)
        static_file = tmp / "static" / "bench" / "digest.html"
        static_file.parent.mkdir(parents=True, exist_ok=True)
        static_file.write_bytes(html)

        # (a) and (c) on one server: cached page and the same bytes as a static file.
        port = free_port()
        server = start_server({**env, "PUBLIC_CACHE_SECONDS": "600"}, port)
        try:
            cached = wrk(f"http://127.0.0.1:{port}{path}", seconds=args.seconds, connections=args.connections)
            static = wrk(
                f"http://127.0.0.1:{port}/static/bench/digest.html", seconds=args.seconds, connections=args.connections
            )
        finally:
            stop_server(server)

    median = statistics.median(timings)
    print(f"page size                      {len(html) / 1024:8.1f} KiB")
    print(f"(a) digest page, cached        {cached:8.0f} req/s")
    print(f"(b) digest page, uncached      {uncached:8.0f} req/s")
    print(f"(c) same HTML as static file   {static:8.0f} req/s")
    print(f"(a)/(c)                        {cached / static:8.2f}   (target >= 0.8)")
    print(f"(a)/(b)                        {cached / uncached:8.2f}")
    print(f"uncached render, median        {median:8.1f} ms  (target < 50 ms; {args.samples} sequential requests)")
    print(f"uncached render, p90           {statistics.quantiles(timings, n=10)[-1]:8.1f} ms")
    print(f"first request of a new worker  {cold_ms:8.1f} ms  (nothing memoised yet)")


if __name__ == "__main__":
    main()
