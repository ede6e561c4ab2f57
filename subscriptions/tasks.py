"""django-q2 entry points of subscriptions; queued with ``subscriptions.queue``."""

from __future__ import annotations

from django.conf import settings

from .services.sweep import subscriptions_sweep


def subscriptions_sweep_task() -> dict:
    """Runs on the ``subscriptions:sweep`` schedule.

    It stops taking new mails before the next sweep is due, so two sweeps
    rarely overlap (claims keep even an overlap from mailing anyone twice)
    and the send rate holds.
    """
    budget = 0.8 * min(settings.SUBSCRIPTIONS_SWEEP_MINUTES * 60, settings.Q_TIMEOUT)
    return subscriptions_sweep(budget_seconds=budget).as_dict()
