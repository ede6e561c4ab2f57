"""The one way work is queued: every django-q2 task by name, with its group, batching and de-duplication.

The ingest service, the CLI, the schedules, the admin's actions and the
dashboard's retry button all queue through here. Tasks are queued when the
current transaction commits, so a worker never looks for rows it cannot see
yet, and a rolled-back request queues nothing.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from papers.models import Paper, Topic

logger = logging.getLogger("paperdigest.queue")

PIPELINE_GROUP = "pipeline"
INGEST_GROUP = "ingest"
ADMIN_GROUP = "admin-actions"
# A second click within this many seconds is the same request, not a new one.
DEDUP_SECONDS = 30


@dataclass(frozen=True)
class Job:
    """A kind of paper work: the task that does it and what an editor calls it."""

    name: str
    func: str
    label: str
    takes_list: bool = True  # the task takes a list of paper ids (else one id)
    takes_model: bool = False


PROCESS = Job("process", "papers.tasks.process_papers_task", "process")
REFRESH_METADATA = Job("refresh_metadata", "papers.tasks.refresh_metadata_task", "re-fetch metadata", takes_list=False)
REPROCESS = Job("reprocess", "papers.tasks.reprocess_papers_task", "re-process the PDF")
REGENERATE = Job("regenerate", "papers.tasks.regenerate_summaries_task", "regenerate the summary", takes_model=True)
# What an editor may run on chosen papers, in the order the paper page offers them.
EDITOR_JOBS = {job.name: job for job in (REFRESH_METADATA, REPROCESS, REGENERATE)}
INGEST_FUNC = "papers.tasks.ingest_topic_task"
RESUME_FUNC = "papers.tasks.papers_resume_task"


def task_enqueue(func: str, *args, group: str | None, name: str, **kwargs) -> None:
    """Queue ``func`` once the current transaction commits (at once outside one)."""

    def send() -> None:
        async_task(func, *args, timeout=settings.Q_TIMEOUT, group=group, task_name=name, **kwargs)

    transaction.on_commit(send)


def paper_batches(paper_ids: list[int]) -> list[list[int]]:
    """Split ids (duplicates dropped, order kept) into pipeline tasks of PIPELINE_BATCH_SIZE papers."""
    size = max(1, settings.PIPELINE_BATCH_SIZE)
    ids = list(dict.fromkeys(paper_ids))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def papers_enqueue(*, paper_ids: list[int], job: Job = PROCESS, model: str = "") -> int:
    """Queue the pipeline (``job``) for these papers in batches; return how many tasks were queued."""
    batches = paper_batches(paper_ids)
    kwargs = {"model": model} if job.takes_model and model else {}
    for batch in batches:
        name = f"pipeline:{batch[0]}+{len(batch) - 1}"
        task_enqueue(job.func, batch, group=PIPELINE_GROUP, name=name, **kwargs)
    logger.info("Queued %d papers in %d pipeline tasks", sum(map(len, batches)), len(batches))
    return len(batches)


def topic_ingest_enqueue(*, topic: Topic, date: datetime.date | None = None) -> None:
    day = date.isoformat() if date else None
    task_enqueue(INGEST_FUNC, topic.pk, day, group=INGEST_GROUP, name=f"ingest:{topic.slug}:{day or 'today'}")


@dataclass
class EnqueueOutcome:
    queued: list[Paper] = field(default_factory=list)
    busy: list[Paper] = field(default_factory=list)  # a worker holds the paper's lease
    duplicate: list[Paper] = field(default_factory=list)  # the same job was just queued


def papers_enqueue_job(*, papers: list[Paper], job: Job, model: str = "") -> EnqueueOutcome:
    """Queue an editor's ``job`` once per paper unless it is being processed or was queued a moment ago.

    The pipeline's lease stops two workers running at once; this stops the
    queue filling with copies when an editor double-clicks.
    """
    now = timezone.now()
    outcome = EnqueueOutcome()
    kwargs = {"model": model} if job.takes_model and model else {}
    for paper in papers:
        if paper.processing_until and paper.processing_until > now:
            outcome.busy.append(paper)
            continue
        if not cache.add(f"paperdigest:job:{job.name}:{paper.pk}", 1, timeout=DEDUP_SECONDS):
            outcome.duplicate.append(paper)
            continue
        arg = [paper.pk] if job.takes_list else paper.pk
        task_enqueue(job.func, arg, group=ADMIN_GROUP, name=f"admin:{job.name}:{paper.arxiv_id}", **kwargs)
        outcome.queued.append(paper)
    logger.info("Queued %s for %d papers", job.name, len(outcome.queued))
    return outcome


def failure_requeue(failure) -> None:
    """Queue a failed django-q2 task again with its arguments, and drop the failure."""
    task_enqueue(
        failure.func,
        *(failure.args or ()),
        group=failure.group,
        name=failure.name,
        hook=failure.hook,
        **(failure.kwargs or {}),
    )
    failure.delete()
