"""What follows every committed change to what the public sees.

Cached pages go stale at once and the search index catches up, in the process
that made the change, so no reader's request ever does that work.
"""

from __future__ import annotations

import logging

from django.db import transaction

from .cache import public_cache_invalidate
from .search_index import search_index_refresh

logger = logging.getLogger("paperdigest.digests")


def public_site_refresh() -> None:
    """Invalidate the page cache and bring the search index up to date; call after the commit."""
    public_cache_invalidate()
    try:
        search_index_refresh()
    except Exception:
        # The change itself has committed: its author must not see it fail. The next change re-indexes.
        logger.exception("Refreshing the search index failed")


def public_site_refresh_on_commit() -> None:
    transaction.on_commit(public_site_refresh)
