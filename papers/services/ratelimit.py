"""Pacing shared by every process: one row per rate-limited resource.

arXiv asks for one API request every 3 seconds from all of us together, not
per worker, so the next free moment lives in the database (``RateSlot``).
An LLM server's requests-per-minute limit is per account too: its sliding
window lives in the same row (``rate_window_acquire``).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from papers.models import RateSlot

logger = logging.getLogger("paperdigest.ratelimit")

ARXIV_API = "arxiv-api"
ARXIV_PDF = "arxiv-pdf"


def rate_slot_acquire(*, key: str, interval: float) -> float:
    """Reserve the next free slot for ``key``, ``interval`` seconds after the last; sleep until it.

    Returns the seconds slept. Call it outside a transaction (see ``_reserve``).
    """
    if interval <= 0:
        return 0.0
    step = datetime.timedelta(seconds=interval)

    def take(row: RateSlot) -> tuple[datetime.datetime, list[str]]:
        slot = max(timezone.now(), row.next_at)
        row.next_at = slot + step
        return slot, ["next_at"]

    return _reserve(key, take)


def rate_window_acquire(*, key: str, limit: int, window: float = 60.0) -> float:
    """Reserve a start so that no ``window`` seconds hold more than ``limit`` starts of ``key``; sleep until it.

    A sliding window: the key's row keeps the reserved start times of the
    latest ``limit`` requests. A new request starts now if fewer than ``limit``
    started in the last ``window`` seconds, else when the oldest of the last
    ``limit`` leaves the window; starts never go backwards, so every window
    ending at a start is checked when it is made. A batch may therefore begin
    with a burst of ``limit`` requests. The row holds up to ``limit`` numbers,
    which suits budgets up to a few thousand a minute. Returns the seconds
    slept. Call it outside a transaction (see ``_reserve``).
    """
    if limit <= 0:
        return 0.0

    def take(row: RateSlot) -> tuple[datetime.datetime, list[str]]:
        now = time.time()
        starts = [t for t in row.recent if t > now - window]
        start = max([now, *starts[-1:]])
        if len(starts) >= limit:
            start = max(start, starts[-limit] + window)
        row.recent = [*starts, start][-limit:]
        row.next_at = datetime.datetime.fromtimestamp(start, tz=datetime.timezone.utc)
        return row.next_at, ["recent", "next_at"]

    return _reserve(key, take)


def _reserve(key: str, take: Callable[[RateSlot], tuple[datetime.datetime, list[str]]]) -> float:
    """Let ``take`` reserve a start on the key's locked row, then sleep until it; return seconds slept.

    The row is locked only while the start is reserved; the sleep happens after
    commit, so other processes and threads reserve the following starts
    meanwhile. Called inside a transaction, the lock would be held until the
    caller commits. On SQLite the IMMEDIATE transaction takes the write lock up
    front, which serialises reservations; on PostgreSQL select_for_update does.
    """
    wait = (_book(key, take) - timezone.now()).total_seconds()
    if wait > 0:
        logger.debug("Waiting %.2fs for %s", wait, key)
        time.sleep(wait)
        return wait
    return 0.0


def _book(key: str, take: Callable[[RateSlot], tuple[datetime.datetime, list[str]]]) -> datetime.datetime:
    """Reserve and return a start on the key's locked row (tests read the reserved starts here)."""
    with transaction.atomic():
        RateSlot.objects.get_or_create(key=key, defaults={"next_at": timezone.now()})
        row = RateSlot.objects.select_for_update().get(key=key)
        start, fields = take(row)
        row.save(update_fields=fields)
    return start


def rate_key(prefix: str, resource: str) -> str:
    """A RateSlot key for a resource such as a server URL, within the key's length."""
    key = f"{prefix}:{resource}"
    if len(key) <= RateSlot._meta.get_field("key").max_length:
        return key
    return f"{prefix}:{hashlib.sha256(resource.encode()).hexdigest()[:40]}"
