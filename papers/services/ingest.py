"""Fetch a topic's new papers for one digest day and store them idempotently."""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

import arxiv
from django.db import IntegrityError, transaction
from django.utils import timezone

from papers.models import (
    IngestRun,
    IngestRunStatus,
    Paper,
    PaperStatus,
    PaperVersion,
    Topic,
    TopicPaper,
)
from papers.queue import papers_enqueue
from papers.services.arxiv_client import arxiv_client_build
from papers.services.errors import MetadataError
from papers.services.retry import retrying
from papers.signals import ingest_finished, public_data_changed_on_commit

logger = logging.getLogger("paperdigest.ingest")

UTC = datetime.timezone.utc
UPSERT_ATTEMPTS = 3
_VERSIONED_ID = re.compile(r"^(?P<id>.+?)v(?P<version>\d+)$")


@dataclass(frozen=True)
class PaperFacts:
    """What arXiv says about one version of a paper; the only source of facts."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: list[str]
    primary_category: str
    categories: list[str]
    comment: str
    journal_ref: str
    doi: str
    published: datetime.datetime
    updated: datetime.datetime
    abs_url: str
    pdf_url: str

    def as_fields(self) -> dict:
        return {
            "version": self.version,
            "title": self.title,
            "abstract": self.abstract,
            "authors": self.authors,
            "primary_category": self.primary_category,
            "categories": self.categories,
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
            "published": self.published,
            "updated": self.updated,
            "abs_url": self.abs_url,
            "pdf_url": self.pdf_url,
        }


def paper_facts_from_result(result: arxiv.Result) -> PaperFacts:
    """Turn one API entry into facts; raise MetadataError if it has no usable id."""
    short_id = result.entry_id.rsplit("/abs/", 1)[-1].strip()
    match = _VERSIONED_ID.match(short_id)
    if "/abs/" not in result.entry_id or not short_id:
        raise MetadataError(f"arXiv entry has an id that is not an abstract link: {result.entry_id!r}")
    arxiv_id, version = (match["id"], int(match["version"])) if match else (short_id, 1)
    pdf_url = result.pdf_url or result.entry_id.replace("/abs/", "/pdf/", 1)
    return PaperFacts(
        arxiv_id=arxiv_id,
        version=version,
        title=" ".join(result.title.split()),
        abstract=" ".join(result.summary.split()),
        authors=[author.name.strip() for author in result.authors if author.name.strip()],
        primary_category=result.primary_category or "",
        categories=list(result.categories),
        comment=" ".join((result.comment or "").split()),
        journal_ref=" ".join((result.journal_ref or "").split()),
        doi=(result.doi or "").strip(),
        published=result.published,
        updated=result.updated,
        abs_url=result.entry_id,
        pdf_url=pdf_url,
    )


def ingest_window(*, topic: Topic, digest_date: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Return [start, end) in UTC: the days before ``digest_date`` a first submission may fall in."""
    end = datetime.datetime.combine(digest_date, datetime.time.min, tzinfo=UTC)
    return end - datetime.timedelta(days=topic.lookback_days), end


def ingest_query(*, topic: Topic, start: datetime.datetime, end: datetime.datetime) -> str:
    last_day = end - datetime.timedelta(days=1)
    return f"{topic.full_query} AND submittedDate:[{start:%Y%m%d}0000 TO {last_day:%Y%m%d}2359]"


def topic_ingest(
    *,
    topic: Topic,
    digest_date: datetime.date,
    source_url: str | None = None,
    enqueue: bool = True,
) -> IngestRun:
    """Query arXiv for ``topic``'s papers of ``digest_date`` and upsert them.

    Nothing is written for papers unless the whole answer was fetched and read.
    The returned run carries ``pending_paper_ids``: the papers that need the
    pipeline (also enqueued after commit when ``enqueue``).
    """
    start, end = ingest_window(topic=topic, digest_date=digest_date)
    query = ingest_query(topic=topic, start=start, end=end)
    client = arxiv_client_build(api_url=source_url)
    run = IngestRun.objects.create(
        topic=topic,
        digest_date=digest_date,
        window_start=start,
        window_end=end,
        query=query,
        api_url=client.api_url,
    )
    run.pending_paper_ids = []
    search = arxiv.Search(
        query=query,
        max_results=topic.max_papers_per_day,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Descending,
    )
    logger.info("Ingesting %s for %s: %s", topic.slug, digest_date, query)
    try:
        facts = [paper_facts_from_result(result) for result in client.results(search)]
    except Exception as exc:
        return _run_fail(run, exc)

    run.total_results = len(facts)
    # Mirrors and recorded answers ignore the date filter; the window is ours to enforce.
    latest: dict[str, PaperFacts] = {}
    for fact in facts:
        if not (start <= fact.published < end):
            run.skipped_count += 1
            continue
        if fact.arxiv_id not in latest or fact.version > latest[fact.arxiv_id].version:
            latest[fact.arxiv_id] = fact

    # Another worker may insert the same paper at the same moment (PostgreSQL); redo on top of it.
    upsert = retrying(
        what=f"Storing {topic.slug}'s papers", logger=logger, retry_on=(IntegrityError,), attempts=UPSERT_ATTEMPTS
    )
    try:
        pending = upsert(_papers_upsert, run, topic=topic, digest_date=digest_date, facts=list(latest.values()))
    except Exception as exc:
        return _run_fail(run, exc)
    run.status = IngestRunStatus.OK if latest else IngestRunStatus.EMPTY
    run.note = "" if latest else _empty_note(run, digest_date=digest_date, start=start, end=end)
    run.finished_at = timezone.now()
    run.save()
    run.pending_paper_ids = pending
    ingest_finished.send(sender=IngestRun, run=run)
    if enqueue and pending:
        papers_enqueue(paper_ids=pending)
    logger.info(
        "Ingested %s for %s: %d returned, %d new, %d updated, %d unchanged, %d outside the window",
        topic.slug,
        digest_date,
        run.total_results,
        run.new_count,
        run.updated_count,
        run.unchanged_count,
        run.skipped_count,
    )
    return run


def _papers_upsert(run: IngestRun, *, topic: Topic, digest_date: datetime.date, facts: list[PaperFacts]) -> list[int]:
    """Upsert all papers and links in one transaction; count outcomes on ``run``; return ids needing work."""
    run.new_count = run.updated_count = run.unchanged_count = run.added_count = run.earlier_count = 0
    pending: list[int] = []
    with transaction.atomic():
        for fact in facts:
            paper, outcome = paper_upsert(fact)
            setattr(run, f"{outcome}_count", getattr(run, f"{outcome}_count") + 1)
            link, linked = TopicPaper.objects.get_or_create(
                topic=topic, paper=paper, defaults={"digest_date": digest_date, "ingest_run": run}
            )
            # A paper belongs to one day's digest per topic: the coverage ledger says where the others went.
            run.added_count += linked
            run.earlier_count += link.digest_date != digest_date
            # A newly linked topic may need a summary in its language and a digest entry.
            if outcome != "unchanged" or linked or paper.status not in (PaperStatus.SUMMARIZED, PaperStatus.FAILED):
                pending.append(paper.pk)
    return pending


def _run_fail(run: IngestRun, exc: BaseException) -> IngestRun:
    message = str(exc) if isinstance(exc, MetadataError) else f"{type(exc).__name__}: {exc}"
    logger.error("Ingest of %s for %s failed: %s", run.topic.slug, run.digest_date, message)
    run.status = IngestRunStatus.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def paper_upsert(fact: PaperFacts) -> tuple[Paper, str]:
    """Create or update the paper; return it and "new", "updated" or "unchanged"."""
    paper = Paper.objects.select_for_update().filter(arxiv_id=fact.arxiv_id).first()
    if paper is None:
        paper = Paper.objects.create(arxiv_id=fact.arxiv_id, status=PaperStatus.FETCHED, **fact.as_fields())
        PaperVersion.objects.create(paper=paper, version=fact.version, title=fact.title, updated=fact.updated)
        return paper, "new"
    if fact.version > paper.version:
        for name, value in fact.as_fields().items():
            setattr(paper, name, value)
        # The stored PDF and parse now belong to an older version
        # (content.pdf_version < paper.version): the pipeline redoes them.
        paper.status = PaperStatus.FETCHED
        paper.failed_step = ""
        paper.last_error = ""
        paper.save()
        PaperVersion.objects.get_or_create(
            paper=paper, version=fact.version, defaults={"title": fact.title, "updated": fact.updated}
        )
        public_data_changed_on_commit(paper_ids=[paper.pk])
        return paper, "updated"
    # Same (or an older, stale-mirror) version: arXiv adds journal refs and DOIs
    # without a new version, and nothing downstream depends on them.
    if fact.version == paper.version:
        changed = [
            name
            for name in ("journal_ref", "doi")
            if getattr(fact, name) and getattr(fact, name) != getattr(paper, name)
        ]
        for name in changed:
            setattr(paper, name, getattr(fact, name))
        if changed:
            paper.save(update_fields=[*changed, "updated_at"])
    return paper, "unchanged"


def _empty_note(run: IngestRun, *, digest_date: datetime.date, start: datetime.datetime, end: datetime.datetime) -> str:
    window = f"{start:%Y-%m-%d} to {end - datetime.timedelta(days=1):%Y-%m-%d} (UTC)"
    days = [(start + datetime.timedelta(days=n)).date() for n in range((end - start).days)]
    if digest_date.weekday() >= 5 or (days and all(day.weekday() >= 5 for day in days)):
        return (
            f"Nothing found for {digest_date:%A %Y-%m-%d} (window {window}): arXiv announces nothing "
            "on Saturday or Sunday, so weekend days are usually empty; those submissions appear in "
            "the next weekday's announcement. A look-back of 3 days catches them on Monday."
        )
    if run.total_results:
        return (
            f"arXiv returned {run.total_results} entries, none first submitted in the window {window}; "
            "they are older papers or new versions of them."
        )
    return (
        f"The query matched nothing submitted {window}. On a weekday this usually means the "
        f"query is too narrow or arXiv has not announced that day yet. Query: {run.query}"
    )
