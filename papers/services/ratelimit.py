"""Pacing shared by every process: one row per rate-limited resource.

arXiv asks for one API request every 3 seconds from all of us together, not
per worker, so the next free moment lives in the database (``RateSlot``).
"""

from __future__ import annotations

import datetime
import logging
import time

from django.db import transaction
from django.utils import timezone

from papers.models import RateSlot

logger = logging.getLogger("paperdigest.ratelimit")

ARXIV_API = "arxiv-api"
ARXIV_PDF = "arxiv-pdf"


def rate_slot_acquire(*, key: str, interval: float) -> float:
    """Reserve the next free slot for ``key`` and sleep until it; return seconds slept.

    The row is locked only while the slot is reserved; the sleep happens after
    commit, so other processes reserve the following slots meanwhile. Call it
    outside a transaction, or the lock is held until the caller commits.
    """
    if interval <= 0:
        return 0.0
    step = datetime.timedelta(seconds=interval)
    # On SQLite the IMMEDIATE transaction takes the write lock up front, which
    # serialises reservations; on PostgreSQL select_for_update does.
    with transaction.atomic():
        RateSlot.objects.get_or_create(key=key, defaults={"next_at": timezone.now()})
        row = RateSlot.objects.select_for_update().get(key=key)
        now = timezone.now()
        slot = max(now, row.next_at)
        row.next_at = slot + step
        row.save(update_fields=["next_at"])
    wait = (slot - timezone.now()).total_seconds()
    if wait > 0:
        logger.debug("Waiting %.2fs for %s", wait, key)
        time.sleep(wait)
        return wait
    return 0.0
