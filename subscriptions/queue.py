"""The subscriptions' tasks, queued the project's one way (``papers.queue.task_enqueue``)."""

from __future__ import annotations

from papers.queue import task_enqueue

SWEEP_FUNC = "subscriptions.tasks.subscriptions_sweep_task"
SWEEP_GROUP = "subscriptions"
SWEEP_SCHEDULE = "subscriptions:sweep"


def subscriptions_sweep_enqueue() -> None:
    """Run a sweep soon, e.g. right after an editor adds a target or publishes."""
    task_enqueue(SWEEP_FUNC, group=SWEEP_GROUP, name="subscriptions:sweep:now")
