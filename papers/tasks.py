"""django-q2 entry points: take ids, load rows, call one service."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django_q.tasks import async_task

from papers.models import Topic
from papers.services.ingest import topic_ingest
from papers.services.pipeline import papers_process

logger = logging.getLogger("paperdigest.tasks")

PIPELINE_GROUP = "pipeline"
INGEST_GROUP = "ingest"


def process_papers_task(paper_ids: list[int]) -> dict:
    return papers_process(paper_ids=list(paper_ids)).as_dict()


def ingest_topic_task(topic_id: int, date_iso: str | None = None) -> dict:
    topic = Topic.objects.get(pk=topic_id)
    date = datetime.date.fromisoformat(date_iso) if date_iso else datetime.datetime.now(datetime.timezone.utc).date()
    run = topic_ingest(topic=topic, digest_date=date)
    return {"ingest_run": run.pk, "status": run.status, "error": run.error}


def papers_enqueue(*, paper_ids: list[int]) -> list[str]:
    """Queue the pipeline in batches of LLM_CONCURRENCY papers (summarized together); return task ids."""
    size = max(1, settings.LLM_CONCURRENCY)
    ids = list(dict.fromkeys(paper_ids))
    task_ids = []
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        task_ids.append(
            async_task(
                "papers.tasks.process_papers_task",
                chunk,
                timeout=settings.Q_TIMEOUT,
                group=PIPELINE_GROUP,
                task_name=f"pipeline:{chunk[0]}+{len(chunk) - 1}",
            )
        )
    logger.info("Queued %d papers in %d pipeline tasks", len(ids), len(task_ids))
    return task_ids


def topic_ingest_enqueue(*, topic: Topic, date: datetime.date | None = None) -> str:
    return async_task(
        "papers.tasks.ingest_topic_task",
        topic.pk,
        date.isoformat() if date else None,
        timeout=settings.Q_TIMEOUT,
        group=INGEST_GROUP,
        task_name=f"ingest:{topic.slug}:{date.isoformat() if date else 'today'}",
    )
