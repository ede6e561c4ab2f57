"""django-q2 entry points: take ids, load rows, call one service. Queue them with ``papers.queue``."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from papers.models import Paper, Topic
from papers.queue import papers_enqueue
from papers.services.ingest import topic_ingest
from papers.services.metadata import paper_refresh_metadata
from papers.services.pipeline import papers_process, papers_stalled, task_time_limit
from papers.services.retry import retrying

logger = logging.getLogger("paperdigest.tasks")

# How long a task waits for the database to come back before failing.
DATABASE_WAIT_SECONDS = 60.0


def database_wait(*, within: float = DATABASE_WAIT_SECONDS) -> None:
    """Block until the database answers, at most ``within`` seconds.

    Without it, a restarting database fails every queued task within a second
    (each fails at its first query), and the Redis broker does not retry them.
    """
    retrying(
        what="Reaching the database",
        logger=logger,
        retry_on=(OperationalError, InterfaceError),
        within=within,
        backoff=1.0,
        max_pause=1.0,
    )(_database_ping)


def _database_ping() -> None:
    try:
        # A persistent connection can be dead without knowing it: ask.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        connection.close()
        raise


def process_papers_task(paper_ids: list[int]) -> dict:
    """Process the papers; with time left, take on papers still waiting for a worker rather than idle."""
    database_wait()
    return papers_process(paper_ids=list(paper_ids), time_limit=task_time_limit(), take_more=True).as_dict()


def reprocess_papers_task(paper_ids: list[int]) -> dict:
    """Parse the PDF again even if current, then summarize what changed."""
    database_wait()
    return papers_process(paper_ids=list(paper_ids), force=True, time_limit=task_time_limit()).as_dict()


def regenerate_summaries_task(paper_ids: list[int], model: str = "") -> dict:
    database_wait()
    return papers_process(
        paper_ids=list(paper_ids), resummarize=True, model=model, time_limit=task_time_limit()
    ).as_dict()


def refresh_metadata_task(paper_id: int) -> str:
    database_wait()
    return paper_refresh_metadata(paper=Paper.objects.get(pk=paper_id))


def papers_resume_task() -> dict:
    """Queue the pipeline again for papers whose task was lost; do nothing while tasks wait.

    Runs on the ``pipeline:resume`` schedule. Papers waiting in the queue look
    stalled too, so a non-empty queue means "not now" (duplicates would be
    harmless, leases and current-result checks make the pipeline idempotent,
    but wasteful).
    """
    from django_q.brokers import get_broker

    waiting = get_broker().queue_size() or 0
    if waiting:
        return {"queued": 0, "waiting_tasks": waiting}
    ids = papers_stalled(idle_seconds=settings.Q_CLUSTER["retry"])
    if ids:
        logger.warning("Re-queueing %d papers whose pipeline task was lost", len(ids))
        papers_enqueue(paper_ids=ids)
    return {"queued": len(ids)}


def ingest_topic_task(topic_id: int, date_iso: str | None = None) -> dict:
    database_wait()
    topic = Topic.objects.get(pk=topic_id)
    date = datetime.date.fromisoformat(date_iso) if date_iso else datetime.datetime.now(datetime.timezone.utc).date()
    run = topic_ingest(topic=topic, digest_date=date)
    return {"ingest_run": run.pk, "status": run.status, "error": run.error}
