"""django-q2 entry points for the admin's paper actions, and how the admin enqueues them.

Tasks are thin: take ids, load rows, call one service. The pipeline's own task
(``papers.tasks.process_papers_task``) can neither force a re-parse nor pick a
summary model, so the re-process and regenerate tasks here fill that gap by
calling the same services the CLI uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_q.tasks import async_task

from papers.models import Paper, PaperStatus, PipelineStep
from papers.services.metadata import paper_refresh_metadata
from papers.services.pipeline import paper_lease_acquire, paper_lease_release, papers_process
from papers.services.summarize import papers_summarize

logger = logging.getLogger("paperdigest.admin_tasks")

ADMIN_GROUP = "admin-actions"
# A second click within this many seconds is the same request, not a new one.
DEDUP_SECONDS = 30


def paper_refresh_metadata_task(paper_id: int) -> str:
    return paper_refresh_metadata(paper=Paper.objects.get(pk=paper_id))


def papers_reprocess_task(paper_ids: list[int]) -> dict:
    """Download if needed, parse again even if current, then summarize."""
    return papers_process(paper_ids=list(paper_ids), force=True).as_dict()


def papers_regenerate_task(paper_ids: list[int], model: str = "") -> dict:
    """Write new summaries; one an editor has edited gets a candidate instead (see revisions)."""
    leased = [pk for pk in dict.fromkeys(paper_ids) if paper_lease_acquire(paper_id=pk)]
    busy = [pk for pk in paper_ids if pk not in leased]
    try:
        papers = list(Paper.objects.filter(pk__in=leased).prefetch_related("topics"))
        results = papers_summarize(papers=papers, force=True, model=model) if papers else {}
        now = timezone.now()
        for pk, error in results.items():
            if error is None:
                Paper.objects.filter(pk=pk).update(
                    status=PaperStatus.SUMMARIZED, failed_step="", last_error="", last_task_at=now
                )
            else:
                Paper.objects.filter(pk=pk).update(
                    status=PaperStatus.FAILED,
                    failed_step=PipelineStep.SUMMARIZE,
                    last_error=str(error) or type(error).__name__,
                    last_task_at=now,
                )
    finally:
        for pk in leased:
            paper_lease_release(paper_id=pk)
    return {"done": [pk for pk, err in results.items() if err is None], "busy": busy,
            "failed": {pk: str(err) for pk, err in results.items() if err is not None}}


ACTIONS = {
    "refresh_metadata": ("papers.admin_tasks.paper_refresh_metadata_task", "re-fetch metadata"),
    "reprocess": ("papers.admin_tasks.papers_reprocess_task", "re-process the PDF"),
    "regenerate": ("papers.admin_tasks.papers_regenerate_task", "regenerate the summary"),
}


@dataclass
class EnqueueOutcome:
    queued: list[Paper] = field(default_factory=list)
    busy: list[Paper] = field(default_factory=list)  # a worker holds the paper's lease
    duplicate: list[Paper] = field(default_factory=list)  # the same action was just queued


def papers_enqueue_action(*, papers: list[Paper], action: str, model: str = "") -> EnqueueOutcome:
    """Queue ``action`` for each paper unless it is being processed or was queued a moment ago.

    The pipeline's lease stops two workers running at once; this stops the
    queue filling with copies when an editor double-clicks.
    """
    func, _label = ACTIONS[action]
    now = timezone.now()
    outcome = EnqueueOutcome()
    for paper in papers:
        if paper.processing_until and paper.processing_until > now:
            outcome.busy.append(paper)
            continue
        if not cache.add(f"paperdigest:admin-action:{action}:{paper.pk}", 1, timeout=DEDUP_SECONDS):
            outcome.duplicate.append(paper)
            continue
        args = (paper.pk,) if action == "refresh_metadata" else ([paper.pk],)
        kwargs = {"model": model} if action == "regenerate" and model else {}
        async_task(
            func,
            *args,
            **kwargs,
            timeout=settings.Q_TIMEOUT,
            group=ADMIN_GROUP,
            task_name=f"admin:{action}:{paper.arxiv_id}",
        )
        outcome.queued.append(paper)
    logger.info("Admin queued %s for %d papers", action, len(outcome.queued))
    return outcome
