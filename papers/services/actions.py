"""Queue the admin's paper actions as django-q2 tasks (``papers.tasks``), once per click."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_q.tasks import async_task

from papers.models import Paper

logger = logging.getLogger("paperdigest.actions")

ADMIN_GROUP = "admin-actions"
# A second click within this many seconds is the same request, not a new one.
DEDUP_SECONDS = 30


ACTIONS = {
    "refresh_metadata": ("papers.tasks.refresh_metadata_task", "re-fetch metadata"),
    "reprocess": ("papers.tasks.reprocess_papers_task", "re-process the PDF"),
    "regenerate": ("papers.tasks.regenerate_summaries_task", "regenerate the summary"),
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
