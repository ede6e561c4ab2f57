"""Requests-per-minute budget for LLM calls, shared by every thread of this process."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    """Allow at most ``per_minute`` acquisitions in any 60-second window.

    A sliding window rather than even spacing: a batch may start with a burst
    of concurrent requests, and still never exceeds the budget over a minute.
    """

    def __init__(self, per_minute: int, *, window: float = 60.0):
        self.per_minute = per_minute
        self.window = window
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may start; return the seconds waited."""
        if self.per_minute <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.per_minute:
                    self._stamps.append(now)
                    return waited
                pause = self.window - (now - self._stamps[0])
            time.sleep(pause)
            waited += pause


_limiters: dict[int, SlidingWindowLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(per_minute: int) -> SlidingWindowLimiter:
    with _limiters_lock:
        if per_minute not in _limiters:
            _limiters[per_minute] = SlidingWindowLimiter(per_minute)
        return _limiters[per_minute]
