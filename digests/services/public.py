"""What follows every committed change to what the public sees.

Cached pages go stale at once and the search index catches up on the papers
the change touched, in the process that made the change, so no reader's
request ever does that work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from papers.models import Paper, TopicPaper

from ..models import Digest, DigestEntry, DigestStatus
from ..search import backend
from .cache import public_cache_invalidate
from .related import related_papers_refresh
from .search_index import search_index_refresh

logger = logging.getLogger("paperdigest.digests")


def public_site_refresh(*, paper_ids: Iterable[int] = ()) -> None:
    """Invalidate the page cache and re-index ``paper_ids``; call after the commit."""
    public_cache_invalidate()
    ids = list(paper_ids)
    if not ids:
        return
    try:
        search_index_refresh(paper_ids=ids)
    except Exception:
        # The change itself has committed: its author must not see it fail. The next change to these papers re-indexes.
        logger.exception("Re-indexing papers %s for search failed", ids)
    try:
        related_papers_refresh(paper_ids=ids)
    except Exception:
        logger.exception("Ranking related papers of %s failed", ids)


def papers_seen_by_public(paper_ids: Iterable[int]) -> bool:
    """True when any of the papers is on a published digest (shown, hidden or not processed) or still in the search index.

    Parsing and summarizing a new day touches hundreds of papers no reader can
    see yet; their changes must not make every cached page stale.
    """
    ids = list(paper_ids)
    if _papers_of_published_days().filter(pk__in=ids).exists():
        return True
    return bool(backend().fingerprints(ids))


@cache
def _papers_of_published_days() -> QuerySet[Paper]:
    """Papers on a published digest or of a published day, never evaluated itself: each call filters a copy.

    Built once: assembling the subqueries cost ~0.8 ms a call, and every parsed paper pays
    for a call (the signal after a parse asks this): 2% of the PDF stage (bench/pdf.py).
    """
    # An entry, or a paper of a published day that is no entry (it failed, or came late): one query for both.
    on_published_digest = DigestEntry.objects.filter(paper=OuterRef("pk"), digest__status=DigestStatus.PUBLISHED)
    of_published_day = TopicPaper.objects.filter(paper=OuterRef("pk")).filter(
        Exists(
            Digest.objects.filter(
                topic_id=OuterRef("topic_id"), date=OuterRef("digest_date"), status=DigestStatus.PUBLISHED
            )
        )
    )
    return Paper.objects.filter(Exists(on_published_digest) | Exists(of_published_day))


def public_site_refresh_on_commit(*, paper_ids: Iterable[int] = ()) -> None:
    """``public_site_refresh`` once the current transaction commits (at once outside one)."""
    ids = list(paper_ids)
    transaction.on_commit(lambda: public_site_refresh(paper_ids=ids))
