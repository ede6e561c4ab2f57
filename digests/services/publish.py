"""Publishing a digest and arranging what it shows: order, hidden entries, cover, figures.

"Published" is defined once by ``Digest.objects.published()``: status published
and ``published_at`` not in the future. Scheduling is therefore publishing with a
future time; nothing has to run when the time comes.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from digests.models import Digest, DigestEntry, DigestStatus
from papers.models import Figure, Paper, Summary

logger = logging.getLogger("paperdigest.publish")


@dataclass(frozen=True)
class Blocker:
    """A visible entry that should not go out as it is."""

    paper: Paper
    summary: Summary | None
    messages: list[str]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}: {'; '.join(self.messages)}"


class PublishBlocked(Exception):
    """Visible entries still have blocking flags and nobody chose to override."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__("Blocking problems remain on: " + ", ".join(b.paper.arxiv_id for b in blockers))


def public_cache_invalidate() -> None:
    """Drop cached public pages and feeds so an editor's change shows at once."""
    try:
        from digests.services.cache import public_cache_invalidate as invalidate
    except ImportError:  # the public-site cache may not be installed in every deployment
        logger.debug("digests.services.cache not available; nothing to invalidate")
        return
    invalidate()


def _invalidate_on_commit() -> None:
    transaction.on_commit(public_cache_invalidate)


def digest_blockers(*, digest: Digest) -> list[Blocker]:
    """Return the visible entries whose summary is missing or has blocking flags."""
    language = digest.topic.language
    entries = digest.entries.filter(hidden=False).select_related("paper").order_by("position", "id")
    summaries = {
        s.paper_id: s for s in Summary.objects.filter(paper__in=[e.paper_id for e in entries], language=language)
    }
    blockers = []
    for entry in entries:
        summary = summaries.get(entry.paper_id)
        if summary is None:
            blockers.append(Blocker(entry.paper, None, ["no summary yet"]))
        elif summary.has_blocking_flags:
            messages = [f.get("message") or f.get("code", "") for f in summary.flags if f.get("blocking")]
            blockers.append(Blocker(entry.paper, summary, messages))
    return blockers


@transaction.atomic
def digest_publish(*, digest: Digest, user, at: datetime.datetime | None = None, override: bool = False) -> Digest:
    """Publish now, or at ``at`` (scheduled); refuse blocking flags unless ``override``.

    An override is recorded with who and when in ``override_note``.
    """
    digest = Digest.objects.select_for_update().select_related("topic").get(pk=digest.pk)
    blockers = digest_blockers(digest=digest)
    if blockers and not override:
        raise PublishBlocked(blockers)
    now = timezone.now()
    at = at or now
    digest.status = DigestStatus.PUBLISHED
    digest.published_at = at
    if digest.first_published_at is None or digest.first_published_at > at:
        digest.first_published_at = at
    digest.published_by = user
    if blockers:
        who = user.get_username() if user is not None else "system"
        line = f"{now:%Y-%m-%d %H:%M} UTC: {who} published despite blocking flags on " + "; ".join(
            str(b) for b in blockers
        )
        digest.override_note = f"{digest.override_note}\n{line}".strip()
    digest.save()
    _invalidate_on_commit()
    return digest


@transaction.atomic
def digest_unpublish(*, digest: Digest, user=None) -> Digest:
    """Take a digest (live or scheduled) back to draft; it disappears from the public site."""
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    digest.status = DigestStatus.DRAFT
    digest.published_at = None
    digest.save(update_fields=["status", "published_at", "updated_at"])
    _invalidate_on_commit()
    return digest


@transaction.atomic
def digest_reorder(*, digest: Digest, paper_ids: list[int]) -> None:
    """Put the listed papers first, in that order; the rest keep their relative order after them."""
    entries = _listed_first(list(digest.entries.all()), key=lambda e: e.paper_id, wanted=paper_ids, field="position")
    DigestEntry.objects.bulk_update(entries, ["position"])
    Digest.objects.filter(pk=digest.pk).update(updated_at=timezone.now())
    _invalidate_on_commit()


@transaction.atomic
def digest_set_cover(*, digest: Digest, figure: Figure | None) -> Digest:
    """Use one of the digest's visible figures as its cover (or none)."""
    if figure is not None:
        if figure.hidden:
            raise ValueError("A hidden figure cannot be the cover.")
        if not digest.entries.filter(paper_id=figure.paper_id).exists():
            raise ValueError("The cover must be a figure of a paper in this digest.")
    digest.cover_figure = figure
    digest.save(update_fields=["cover_figure", "updated_at"])
    _invalidate_on_commit()
    return digest


@transaction.atomic
def paper_use_figure_as_cover(*, figure: Figure) -> list[Digest]:
    """Make ``figure`` the cover of every digest its paper is in; return those digests."""
    digests = list(Digest.objects.filter(entries__paper_id=figure.paper_id).distinct())
    for digest in digests:
        digest_set_cover(digest=digest, figure=figure)
    return digests


@transaction.atomic
def figure_set_hidden(*, figure: Figure, hidden: bool) -> Figure:
    """Hide or show a figure; a hidden figure stops being any digest's cover."""
    figure.hidden = hidden
    figure.save(update_fields=["hidden"])
    if hidden:
        Digest.objects.filter(cover_figure=figure).update(cover_figure=None, updated_at=timezone.now())
    _invalidate_on_commit()
    return figure


@transaction.atomic
def figures_reorder(*, paper: Paper, figure_ids: list[int]) -> None:
    """Order a paper's figures as listed; unlisted ones follow in their current order."""
    figures = _listed_first(list(paper.figures.all()), key=lambda f: f.id, wanted=figure_ids, field="order")
    Figure.objects.bulk_update(figures, ["order"])
    _invalidate_on_commit()


def _listed_first(rows: list, *, key, wanted: list[int], field: str) -> list:
    """Renumber ``field`` so the ``wanted`` rows come first in that order, the rest after as they were."""
    rank = {value: i for i, value in enumerate(wanted)}
    rows.sort(key=lambda r: (0, rank[key(r)], 0) if key(r) in rank else (1, getattr(r, field), r.pk))
    for number, row in enumerate(rows):
        setattr(row, field, number)
    return rows
