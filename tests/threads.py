"""Run code in threads the way separate workers would: each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


class Worker(threading.Thread):
    """Runs ``call`` once; keeps its result or exception; closes the thread's connections at the end."""

    def __init__(self, call: Callable[[], Any]):
        super().__init__(daemon=True)
        self.call = call
        self.result: Any = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except Exception as exc:  # the test inspects it
            self.error = exc
        finally:
            connections.close_all()


def workers_start(*calls: Callable[[], Any]) -> list[Worker]:
    workers = [Worker(call) for call in calls]
    for worker in workers:
        worker.start()
    return workers


def run_concurrently(*calls: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run the calls at once, one thread each; return their results in order, or raise the first error."""
    workers = workers_start(*calls)
    for worker in workers:
        worker.join(timeout)
    assert not any(worker.is_alive() for worker in workers), f"a worker is still running after {timeout} s"
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return [worker.result for worker in workers]


def record_reserved_starts(monkeypatch) -> list[float]:
    """Collect every start the rate limiter reserves, as epoch seconds.

    Pacing tests assert on these instead of on arrival gaps: a busy machine
    may delay a request after its slot, which shrinks the next arrival gap,
    but it never moves a reserved start.
    """
    from papers.services import ratelimit

    starts: list[float] = []
    book = ratelimit._book

    def recording(key, take):
        start = book(key, take)
        starts.append(start.timestamp())
        return start

    monkeypatch.setattr(ratelimit, "_book", recording)
    return starts
