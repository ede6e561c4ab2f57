"""Summarize N papers against the local fake LLM server and compare wall time with the ideal.

    .venv/bin/python bench/llm.py [--papers 32] [--latency 2] [--concurrency 8]

The server answers every request after ``--latency`` seconds, so the ideal
wall time is N * latency / concurrency; the ratio shows the stage's overhead
(database writes, validation, thread hand-offs). Runs on a throw-away SQLite
database; no network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=32)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rpm", type=int, default=None, help="requests per minute (default: the setting)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-llm-")
    os.environ["SQLITE_PATH"] = str(Path(workdir) / "db.sqlite3")
    os.environ["MEDIA_ROOT"] = str(Path(workdir) / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from papers.models import Paper, Summary, Topic, TopicPaper
    from papers.services.summarize import papers_summarize
    from tests.fake_llm import FakeLLM, Reply, answer

    call_command("migrate", verbosity=0)
    topic = Topic.objects.create(name="Bench", slug="bench", arxiv_query="all:diffusion", language="zh-hans")
    now = timezone.now()
    papers = []
    for i in range(args.papers):
        paper = Paper.objects.create(
            arxiv_id=f"2405.{20000 + i}",
            title=f"A Study of Diffusion Number {i}",
            abstract="We study diffusion models for image generation and report strong results on ImageNet.",
            authors=["Ada Lovelace"],
            published=now,
            updated=now,
            abs_url=f"http://arxiv.org/abs/2405.{20000 + i}v1",
            pdf_url=f"http://arxiv.org/pdf/2405.{20000 + i}v1",
        )
        TopicPaper.objects.create(topic=topic, paper=paper, digest_date=now.date())
        papers.append(paper)

    with FakeLLM(responder=lambda body: Reply(answer("zh-hans"), delay=args.latency)) as server:
        settings.DIGEST_LLM = "openai"
        settings.DIGEST_LLM_MODEL = "fake-model"
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = "bench"
        settings.LLM_CONCURRENCY = args.concurrency
        if args.rpm is not None:
            settings.LLM_REQUESTS_PER_MINUTE = args.rpm
        queryset = Paper.objects.with_facts().filter(pk__in=[p.pk for p in papers])
        started = time.perf_counter()
        outcome = papers_summarize(papers=list(queryset))
        wall = time.perf_counter() - started

        started = time.perf_counter()
        papers_summarize(papers=list(queryset))  # unchanged papers: no LLM call expected
        rerun = time.perf_counter() - started
        requests = len(server.requests)
        max_in_flight = server.max_in_flight

    failures = sum(1 for error in outcome.values() if error is not None)
    ideal = args.papers * args.latency / args.concurrency
    print(
        f"papers={args.papers} latency={args.latency:.1f}s concurrency={args.concurrency} "
        f"rpm={settings.LLM_REQUESTS_PER_MINUTE}"
    )
    print(
        f"summaries stored={Summary.objects.count()} failures={failures} "
        f"requests={requests} max_in_flight={max_in_flight}"
    )
    print(f"wall={wall:.2f}s ideal={ideal:.2f}s ratio={wall / ideal:.3f}")
    print(f"re-run of unchanged papers: {rerun:.3f}s, extra LLM requests={requests - args.papers}")


if __name__ == "__main__":
    main()
