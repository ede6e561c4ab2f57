"""The per-paper pipeline: download -> parse -> summarize, then tell listeners (``papers_processed``).

Each step is skipped when its result for the paper's current version is
already stored, so a retry resumes where the paper failed. A failure is
recorded on the paper (status, step, message) and never stops the batch.
The batch streams: while the model answers one paper, the next is parsed and
the one after it downloaded, so a day takes about as long as its slowest
resource (the PDF pace, the model, the LLM budget), not their sum.
"""

from __future__ import annotations

import collections
import datetime
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from papers.models import Paper, PaperContent, PaperStatus, PipelineStep
from papers.queue import PROCESS, REGENERATE, REPROCESS, papers_enqueue
from papers.services.download import PdfPrefetch, paper_download, paper_pdf_is_stored
from papers.services.errors import PipelineError
from papers.services.parse import paper_parse
from papers.services.summarize import SummaryStream
from papers.signals import papers_processed, public_data_changed_on_commit

logger = logging.getLogger("paperdigest.pipeline")

# A lost database connection is not the paper's fault: the task fails, the
# lease expires and ``papers_resume_task`` queues the paper again.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)

# A task still running at Q_TIMEOUT is killed mid-batch. Once this share of it
# has passed, a task starts no new paper: it queues the rest of its batch as a
# new task and finishes the summaries it has in flight.
TASK_TIME_SHARE = 0.5


def task_time_limit() -> float:
    """Seconds a pipeline task may spend starting papers (``papers_process(time_limit=...)``)."""
    return TASK_TIME_SHARE * settings.Q_TIMEOUT


@dataclass
class PipelineOutcome:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    busy: list[int] = field(default_factory=list)  # leased by another worker
    missing: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)  # a new version arrived meanwhile
    handed_on: list[int] = field(default_factory=list)  # queued again: the task ran out of time

    def as_dict(self) -> dict:
        return {
            "done": self.done,
            "failed": self.failed,
            "busy": self.busy,
            "missing": self.missing,
            "changed": self.changed,
            "handed_on": self.handed_on,
        }


def paper_lease_acquire(*, paper_id: int, seconds: float | None = None) -> bool:
    """Take the paper's processing lease unless a live one exists; return whether taken.

    One conditional UPDATE, so two workers (or a double-clicked admin action)
    cannot both win; a lease left by a killed worker expires and is taken over.
    """
    now = timezone.now()
    until = now + datetime.timedelta(seconds=seconds if seconds is not None else settings.Q_TIMEOUT)
    taken = (
        Paper.objects.filter(pk=paper_id)
        .filter(Q(processing_until__isnull=True) | Q(processing_until__lte=now))
        .update(processing_until=until)
    )
    return taken == 1


def paper_lease_release(*, paper_id: int) -> None:
    Paper.objects.filter(pk=paper_id).update(processing_until=None)


def paper_process(*, paper_id: int, force: bool = False) -> PipelineOutcome:
    """Run the pipeline for one paper."""
    return papers_process(paper_ids=[paper_id], force=force)


def papers_process(
    *,
    paper_ids: list[int],
    force: bool = False,
    resummarize: bool = False,
    model: str = "",
    time_limit: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    take_more: bool = False,
) -> PipelineOutcome:
    """Bring each paper to SUMMARIZED (or FAILED with its error), sending ``papers_processed`` as groups finish.

    ``force`` re-parses even when the stored parse is current; ``resummarize``
    asks the model again (with ``model`` instead of the configured one, if
    given) even when the summary is current. An editor's text is never
    replaced: a regeneration after an edit waits as a candidate. Papers not
    started within ``time_limit`` seconds (by ``clock``) are queued again as a
    new task (``handed_on``): a task passes ``task_time_limit()`` so that it
    never runs into its timeout. With ``take_more``, a run that has started all
    its papers with time left takes on papers waiting for a worker
    (``papers_waiting``) instead of idling on its last summaries; they are
    reported among ``done`` and ``failed`` like its own.
    """
    deadline = clock() + time_limit if time_limit is not None else math.inf
    progress = _Progress(clock)
    options = {"force": force, "resummarize": resummarize, "model": model, "deadline": deadline, "progress": progress}
    outcome, leased = _papers_run(paper_ids=paper_ids, take_more=take_more, **options)
    changed = outcome.changed
    if changed:
        # A new arXiv version arrived while we worked; its own task found the paper
        # leased and skipped it, so process the new version now.
        logger.info("Papers %s changed version during processing; processing again", changed)
        again, _ = _papers_run(paper_ids=changed, **options)
        outcome.done = [pk for pk in outcome.done if pk not in changed] + again.done
        outcome.failed.update(again.failed)
        outcome.handed_on += again.handed_on
    if outcome.failed:
        # Their digests' pages now count them among the papers that could not be processed.
        public_data_changed_on_commit(paper_ids=list(outcome.failed))
    progress.send([pk for pk in leased if pk not in outcome.handed_on])
    return outcome


class _Progress:
    """Tells listeners (the digests app) which papers finished: every ``PIPELINE_PROGRESS_SECONDS`` and at the end.

    A listener brings the days of those papers up to date, so a day is rebuilt
    once per group of finished papers, not once per paper, and a draft digest
    fills in while a batch of many minutes runs instead of only at its end.
    """

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.sent: set[int] = set()
        self.last = clock()

    def tick(self, outcome: PipelineOutcome) -> None:
        if self.clock() - self.last >= settings.PIPELINE_PROGRESS_SECONDS:
            # A paper left in ``changed`` is processed again; it is told when it is done.
            self.send([*outcome.done, *outcome.failed])

    def send(self, paper_ids: list[int]) -> None:
        self.last = self.clock()
        news = [pk for pk in dict.fromkeys(paper_ids) if pk not in self.sent]
        if news:
            self.sent.update(news)
            papers_processed.send(sender=None, paper_ids=news)


def _papers_run(
    *,
    paper_ids: list[int],
    force: bool,
    resummarize: bool,
    model: str,
    deadline: float,
    progress: _Progress,
    take_more: bool = False,
) -> tuple[PipelineOutcome, list[int]]:
    """Lease, prepare and summarize the papers, streaming; return the outcome and the ids leased.

    A prefetch thread fetches the PDFs at the shared pace, one ahead; the
    calling thread stores and parses one paper after the other and hands each
    parsed paper's summaries to the request threads at once, so the model
    answers while the next PDF arrives. Between papers, and at the end, it
    records the answers that came in: every database write of a result stays
    in this thread.
    """
    outcome = PipelineOutcome()
    clock = progress.clock
    leased: list[int] = []
    papers = _papers_lease(paper_ids, leased=leased, outcome=outcome)
    try:
        submitted: dict[int, Paper] = {}
        todo = collections.deque(papers)
        with (
            SummaryStream(force=resummarize, model=model) as stream,
            PdfPrefetch(_pdfs_missing(papers), go_on=lambda: clock() <= deadline) as pdfs,
        ):
            while todo:
                paper = todo.popleft()
                # The first paper always starts: every task makes progress, however short its time.
                if (submitted or outcome.failed or outcome.done) and clock() > deadline:
                    outcome.handed_on.append(paper.pk)
                    continue
                if _paper_prepare(paper, force=force, outcome=outcome, pdfs=pdfs):
                    # Its summaries start now and may take long: give the paper a full lease.
                    _leases_renew([paper.pk])
                    submitted[paper.pk] = paper
                    _summaries_submit(stream, paper, outcome=outcome)
                _summaries_record(stream.finished(), submitted, outcome=outcome, progress=progress)
                if take_more and len(todo) <= 1 and clock() <= deadline:
                    # Rather than wait on its last summaries with the PDF pace idle, take on papers
                    # still waiting for a worker (their own tasks will find them done): a few at a
                    # time, so idle workers share them (a worker has only LLM_CONCURRENCY requests),
                    # and before its last paper, so the prefetch keeps going.
                    waiting = papers_waiting(limit=max(1, settings.LLM_CONCURRENCY))
                    more = _papers_lease(waiting, leased=leased)
                    if more:
                        logger.info("Taking on %d waiting papers: %s", len(more), [p.pk for p in more])
                        pdfs.extend(_pdfs_missing(more))
                        todo.extend(more)
            if outcome.handed_on:
                # Queued now, not after the summaries in flight: another worker may start on them meanwhile.
                _papers_hand_on(outcome.handed_on, force=force, resummarize=resummarize, model=model)
            _summaries_record(stream.finished(wait=True), submitted, outcome=outcome, progress=progress)
    finally:
        for paper_id in leased:
            # A paper handed on was released already; its new task may hold it by now.
            if paper_id not in outcome.handed_on:
                paper_lease_release(paper_id=paper_id)
    return outcome, leased


def _papers_lease(paper_ids: list[int], *, leased: list[int], outcome: PipelineOutcome | None = None) -> list[Paper]:
    """Take the lease of each paper free to take (appending its id to ``leased``); return those papers, in order.

    With ``outcome``, papers that do not exist or that another worker holds are recorded there.
    """
    taken: list[int] = []
    for paper_id in dict.fromkeys(paper_ids):
        if paper_id in leased:
            continue
        if outcome is not None and not Paper.objects.filter(pk=paper_id).exists():
            outcome.missing.append(paper_id)
        elif paper_lease_acquire(paper_id=paper_id):
            taken.append(paper_id)
        elif outcome is not None:
            logger.info("Paper %s is being processed by another worker; skipped", paper_id)
            outcome.busy.append(paper_id)
    leased += taken
    return list(Paper.objects.filter(pk__in=taken).order_by("pk"))


def papers_waiting(*, limit: int) -> list[int]:
    """Papers the pipeline has not finished and no worker holds, oldest first: at most ``limit`` ids."""
    return list(Paper.objects.unfinished_and_free().order_by("pk").values_list("pk", flat=True)[:limit])


def _papers_hand_on(paper_ids: list[int], *, force: bool, resummarize: bool, model: str) -> None:
    logger.info("Out of task time; %d papers queued again: %s", len(paper_ids), paper_ids)
    for paper_id in paper_ids:  # free before their new task can look at them
        paper_lease_release(paper_id=paper_id)
    job = REGENERATE if resummarize else REPROCESS if force else PROCESS
    papers_enqueue(paper_ids=paper_ids, job=job, model=model)


def _leases_renew(paper_ids: list[int]) -> None:
    until = timezone.now() + datetime.timedelta(seconds=settings.Q_TIMEOUT)
    Paper.objects.filter(pk__in=paper_ids).update(processing_until=until)


def _pdfs_missing(papers: list[Paper]) -> list[Paper]:
    """The papers whose current version's PDF is not stored yet, in order."""
    contents = {
        c.paper_id: c for c in PaperContent.objects.filter(paper__in=papers).only("paper", "pdf", "pdf_version")
    }
    return [paper for paper in papers if not paper_pdf_is_stored(paper, contents.get(paper.pk))]


def _paper_prepare(paper: Paper, *, force: bool, outcome: PipelineOutcome, pdfs: PdfPrefetch) -> bool:
    """Download and parse as needed; record a failure and return False on error."""
    step = PipelineStep.DOWNLOAD
    try:
        content = PaperContent.objects.filter(paper=paper).first()
        if not paper_pdf_is_stored(paper, content):
            content = paper_download(paper=paper, fetched=pdfs.take(paper))
            _status_set(paper, PaperStatus.PDF_READY)
        step = PipelineStep.PARSE
        if force or content.parsed_version != paper.version:
            paper.content = content
            paper_parse(paper=paper)
            _status_set(paper, PaperStatus.PARSED)
        return True
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as exc:
        _paper_fail(paper, step=step, exc=exc, outcome=outcome)
        return False


def _summaries_submit(stream: SummaryStream, paper: Paper, *, outcome: PipelineOutcome) -> None:
    try:
        stream.submit(paper)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as exc:  # the stream records per-paper errors itself; be safe anyway
        _paper_fail(paper, step=PipelineStep.SUMMARIZE, exc=exc, outcome=outcome)


def _summaries_record(
    results: Iterator[tuple[int, Exception | None]],
    papers: dict[int, Paper],
    *,
    outcome: PipelineOutcome,
    progress: _Progress,
) -> None:
    for paper_id, error in results:
        paper = papers.pop(paper_id)  # done with it: a long batch keeps only the papers in flight
        if error is None:
            if _status_set(paper, PaperStatus.SUMMARIZED, clear_error=True):
                outcome.done.append(paper.pk)
            else:
                outcome.changed.append(paper.pk)
        else:
            _paper_fail(paper, step=PipelineStep.SUMMARIZE, exc=error, outcome=outcome)
        progress.tick(outcome)


def _status_set(paper: Paper, status: str, *, clear_error: bool = False) -> bool:
    """Record progress unless a newer version was ingested meanwhile; return whether recorded."""
    # UPDATE only these columns: an editor may be saving the paper in the admin meanwhile.
    fields = {"status": status, "last_task_at": timezone.now(), "updated_at": timezone.now()}
    if clear_error:
        fields.update(failed_step="", last_error="")
    updated = Paper.objects.filter(pk=paper.pk, version=paper.version).update(**fields)
    for name, value in fields.items():
        setattr(paper, name, value)
    return updated == 1


def _paper_fail(paper: Paper, *, step: str, exc: BaseException, outcome: PipelineOutcome) -> None:
    if isinstance(exc, PipelineError):
        message = str(exc)
        step = exc.step or step
        logger.warning("Paper %s failed at %s: %s", paper.arxiv_id, step, message)
    else:
        message = f"Unexpected {type(exc).__name__}: {exc}"
        logger.exception("Paper %s failed at %s with an unexpected error", paper.arxiv_id, step, exc_info=exc)
    fields = {
        "status": PaperStatus.FAILED,
        "failed_step": step,
        "last_error": message,
        "last_task_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    Paper.objects.filter(pk=paper.pk).update(**fields)
    for name, value in fields.items():
        setattr(paper, name, value)
    outcome.failed[paper.pk] = message


def papers_stalled(*, idle_seconds: float) -> list[int]:
    """Return unfinished papers nobody holds: not terminal, lease free, untouched for ``idle_seconds``.

    A task lost with its worker (SIGKILL, OOM) or with the broker (a Redis
    restart empties the queue) leaves its papers like this, and django-q2's
    Redis broker never re-delivers a task, so nothing else picks them up.
    """
    idle_since = timezone.now() - datetime.timedelta(seconds=idle_seconds)
    return list(
        Paper.objects.unfinished_and_free()
        .filter(updated_at__lte=idle_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
