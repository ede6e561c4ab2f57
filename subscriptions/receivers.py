"""How subscriptions joins what papers announces: its sweep is one of the recurring schedules."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from django_q.models import Schedule

from papers.signals import schedules_setup

from .queue import SWEEP_FUNC, SWEEP_GROUP, SWEEP_SCHEDULE


@receiver(schedules_setup, dispatch_uid="subscriptions-sweep-schedule")
def _sweep_schedule(sender, *, write, **kwargs) -> None:
    # Mails and chat pushes of digests that went live, however they did (now, scheduled, retried).
    Schedule.objects.update_or_create(
        name=SWEEP_SCHEDULE,
        defaults={
            "func": SWEEP_FUNC,
            "kwargs": repr({"q_options": {"timeout": settings.Q_TIMEOUT, "group": SWEEP_GROUP}}),
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SUBSCRIPTIONS_SWEEP_MINUTES,
            "repeats": -1,
        },
    )
    write(f"{SWEEP_SCHEDULE}: every {settings.SUBSCRIPTIONS_SWEEP_MINUTES} min")
