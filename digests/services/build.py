"""Compose a topic's digest for one day from the papers the topic matched that day."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Max

from digests.models import Digest, DigestEntry, DigestStatus
from digests.services.public import public_site_refresh_on_commit
from digests.services.publish import PublishBlocked, digest_publish
from papers.models import Figure, FigureKind, Paper, PaperStatus, Topic, TopicPaper
from papers.services.retry import retrying

logger = logging.getLogger("paperdigest.digest_build")

TERMINAL = (PaperStatus.SUMMARIZED, PaperStatus.FAILED)
BUILD_ATTEMPTS = 3


def digest_build(*, topic: Topic, date: datetime.date) -> Digest:
    """Create or refresh the digest of ``topic`` for ``date``; return it.

    Papers are appended once summarized; existing entries keep the position
    and hidden flag an editor gave them. Failed papers are left out until they succeed. With
    ``topic.auto_publish`` the digest goes live once every paper is done and
    no visible summary has a blocking flag.
    """
    # Another worker may build the same digest at the same moment; rebuild on top of it.
    build = retrying(
        what=f"Building digest {topic.slug} {date}", logger=logger, retry_on=(IntegrityError,), attempts=BUILD_ATTEMPTS
    )
    return build(_digest_build, topic=topic, date=date)


def _digest_build(*, topic: Topic, date: datetime.date) -> Digest:
    with transaction.atomic():
        # The description is left to the editor: pages write the intro from the entries shown.
        digest, _ = Digest.objects.get_or_create(topic=topic, date=date, defaults={"title": topic.name})
        digest = Digest.objects.select_for_update().get(pk=digest.pk)
        # Rebuilt after every pipeline batch: read only what deciding needs, not 700 abstracts.
        papers = list(
            Paper.objects.filter(topicpaper__topic=topic, topicpaper__digest_date=date)
            .only("pk", "status")
            .order_by("-published", "arxiv_id")
        )
        entries = {entry.paper_id: entry for entry in digest.entries.all()}
        position = (digest.entries.aggregate(Max("position"))["position__max"] + 1) if entries else 0
        added: list[int] = []
        for paper in papers:
            # A paper joins once it is summarized: one still in the pipeline may
            # yet fail, and a failed one stays out (and is counted as not
            # processed) until a retry succeeds. Hiding it instead would be
            # indistinguishable from an editor's hide.
            if paper.pk in entries or paper.status != PaperStatus.SUMMARIZED:
                continue
            DigestEntry.objects.create(digest=digest, paper=paper, position=position)
            position += 1
            added.append(paper.pk)

        changed = bool(added)
        if digest.cover_figure_id is None:
            # A default cover; an editor's choice (or their hiding a figure) is never replaced.
            digest.cover_figure = _first_figure(digest)
            if digest.cover_figure is not None:
                digest.save(update_fields=["cover_figure", "updated_at"])
                changed = True

        if changed and digest.status == DigestStatus.PUBLISHED:
            # A paper summarized after publication joins a live page, and the search index.
            public_site_refresh_on_commit(paper_ids=added)

        visible = digest.entries.shown().exists()
        if topic.auto_publish and not visible and _all_done(papers):
            logger.info("Not publishing %s automatically: no paper could be processed", digest)
        if topic.auto_publish and digest.status == DigestStatus.DRAFT and visible and _all_done(papers):
            try:
                digest = digest_publish(digest=digest, user=None)
                logger.info("Published %s automatically", digest)
            except PublishBlocked as blocked:
                logger.info("Not publishing %s automatically: %s", digest, blocked)
    return digest


def _first_figure(digest: Digest) -> Figure | None:
    """The first shown figure of the first shown paper (a figure before a table or a page cover).

    Two queries however long the day: a digest whose papers have no figure yet
    looks again after every pipeline batch.
    """
    order = list(digest.entries.shown().order_by("position", "id").values_list("paper_id", flat=True))
    kinds = {FigureKind.FIGURE: 0, FigureKind.TABLE: 1, FigureKind.COVER: 2}
    candidates: dict[int, list[Figure]] = {}
    for figure in Figure.objects.shown().filter(paper_id__in=order).exclude(image=""):
        candidates.setdefault(figure.paper_id, []).append(figure)
    for paper_id in order:
        if paper_id in candidates:
            return min(candidates[paper_id], key=lambda f: (kinds.get(f.kind, 3), f.order, f.id))
    return None


def _all_done(papers: list[Paper]) -> bool:
    return bool(papers) and all(paper.status in TERMINAL for paper in papers)


def digests_refresh_for_papers(*, paper_ids: list[int]) -> None:
    """Rebuild every digest that lists one of these papers (one per topic and day)."""
    pairs = (
        TopicPaper.objects.filter(paper_id__in=paper_ids)
        .values_list("topic_id", "digest_date")
        .distinct()
        .order_by("topic_id", "digest_date")
    )
    topics = Topic.objects.in_bulk({topic_id for topic_id, _ in pairs})
    for topic_id, date in pairs:
        try:
            digest_build(topic=topics[topic_id], date=date)
        except Exception:
            # The papers are processed; a digest can be rebuilt with build_digest.
            logger.exception("Refreshing the digest of topic %s for %s failed", topic_id, date)
