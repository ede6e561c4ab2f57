"""What follows every committed change to what the public sees.

Cached pages go stale at once and the search index catches up on the papers
the change touched, in the process that made the change, so no reader's
request ever does that work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from .cache import public_cache_invalidate
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


def public_site_refresh_on_commit(*, paper_ids: Iterable[int] = ()) -> None:
    """``public_site_refresh`` once the current transaction commits (at once outside one)."""
    ids = list(paper_ids)
    transaction.on_commit(lambda: public_site_refresh(paper_ids=ids))
