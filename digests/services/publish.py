"""Publishing a digest and arranging what it shows: order, hidden entries, cover.

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
from papers.services.figures import rows_listed_first

from ..selectors import summaries_prefetch, summary_in_language
from .public import public_site_refresh_on_commit

logger = logging.getLogger("paperdigest.publish")


NO_PAPER = "the digest lists no paper"


@dataclass(frozen=True)
class Blocker:
    """A visible entry that should not go out as it is, or (``paper`` None) a digest with nothing to show."""

    paper: Paper | None
    summary: Summary | None
    messages: list[str]

    @property
    def label(self) -> str:
        return self.paper.arxiv_id if self.paper is not None else self.messages[0]

    def __str__(self) -> str:
        if self.paper is None:
            return "; ".join(self.messages)
        return f"{self.paper.arxiv_id}: {'; '.join(self.messages)}"


class PublishBlocked(Exception):
    """Visible entries still have blocking flags, or none is visible, and nobody chose to override."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__("Blocking problems remain on: " + ", ".join(b.label for b in blockers))


def digest_blockers(*, digest: Digest) -> list[Blocker]:
    """Return the visible entries whose summary is missing or has blocking flags, or that there are none.

    An empty digest would publish a page with nothing on it: an editor may
    still choose to (the day's "could not be processed" note says why).
    """
    language = digest.topic.language
    entries = (
        digest.entries.shown().select_related("paper").prefetch_related(summaries_prefetch()).order_by("position", "id")
    )
    blockers = []
    for entry in entries:
        summary = summary_in_language(entry.paper.summaries.all(), language)
        if summary is None:
            blockers.append(Blocker(entry.paper, None, ["no summary yet"]))
        elif summary.has_blocking_flags:
            messages = [f.get("message") or f.get("code", "") for f in summary.flags if f.get("blocking")]
            blockers.append(Blocker(entry.paper, summary, messages))
    if not entries:
        blockers.append(Blocker(None, None, [NO_PAPER]))
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
        flagged = [str(b) for b in blockers if b.paper is not None]
        line = f"{now:%Y-%m-%d %H:%M} UTC: {who} published"
        if flagged:
            line += " despite blocking flags on " + "; ".join(flagged)
        if len(flagged) < len(blockers):
            line += (" and" if flagged else "") + " with no paper listed"
        digest.override_note = f"{digest.override_note}\n{line}".strip()
    digest.save()
    public_site_refresh_on_commit(paper_ids=digest.entries.values_list("paper_id", flat=True))
    return digest


@transaction.atomic
def digest_unpublish(*, digest: Digest, user=None) -> Digest:
    """Take a digest (live or scheduled) back to draft; it disappears from the public site."""
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    digest.status = DigestStatus.DRAFT
    digest.published_at = None
    digest.save(update_fields=["status", "published_at", "updated_at"])
    public_site_refresh_on_commit(paper_ids=digest.entries.values_list("paper_id", flat=True))
    return digest


@transaction.atomic
def digest_reorder(*, digest: Digest, paper_ids: list[int]) -> None:
    """Put the listed papers first, in that order; the rest keep their relative order after them."""
    entries = rows_listed_first(
        list(digest.entries.all()), key=lambda e: e.paper_id, wanted=paper_ids, field="position"
    )
    DigestEntry.objects.bulk_update(entries, ["position"])
    Digest.objects.filter(pk=digest.pk).update(updated_at=timezone.now())
    public_site_refresh_on_commit()


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
    public_site_refresh_on_commit()
    return digest


@transaction.atomic
def paper_use_figure_as_cover(*, figure: Figure) -> list[Digest]:
    """Make ``figure`` the cover of every digest its paper is in; return those digests."""
    digests = list(Digest.objects.filter(entries__paper_id=figure.paper_id).distinct())
    for digest in digests:
        digest_set_cover(digest=digest, figure=figure)
    return digests
