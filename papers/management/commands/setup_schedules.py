"""Create the daily ingest schedule of every active topic and the recurring sweeps (idempotent).

Apps built on papers add their own recurring tasks by receiving
``papers.signals.schedules_setup``; papers does not name them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_q.models import Schedule

from papers.models import Topic
from papers.queue import INGEST_FUNC, INGEST_GROUP, PIPELINE_GROUP, RESUME_FUNC
from papers.signals import schedules_setup

PREFIX = "ingest:"
RESUME_SCHEDULE = "pipeline:resume"


def next_daily_run(hhmm: str, now: datetime.datetime) -> datetime.datetime:
    """Return the next moment at HH:MM UTC after ``now``."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":"))
        at = datetime.time(hour, minute, tzinfo=datetime.timezone.utc)
    except ValueError as exc:
        raise CommandError(f"INGEST_SCHEDULE_UTC must be HH:MM, got {hhmm!r}") from exc
    candidate = datetime.datetime.combine(now.astimezone(datetime.timezone.utc).date(), at)
    return candidate if candidate > now else candidate + datetime.timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Create or update one daily django-q2 schedule per active topic (named ingest:<slug>) and remove "
        "the schedules of inactive or deleted topics. arXiv announces at about 20:00 US Eastern."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            default=settings.INGEST_SCHEDULE_UTC,
            help="Time of day in UTC, HH:MM (default: setting INGEST_SCHEDULE_UTC, 01:30)",
        )
        parser.add_argument(
            "--sweeps-only",
            action="store_true",
            help="Only the recurring sweeps (pipeline resume, mailings), no daily ingest: what `make demo` uses",
        )

    def handle(self, *args, at: str, sweeps_only: bool = False, **options):
        if not sweeps_only:
            self._ingest_schedules(at)
        self._sweeps()

    def _ingest_schedules(self, at: str) -> None:
        next_run = next_daily_run(at, timezone.now())
        active = list(Topic.objects.filter(is_active=True))
        keep = set()
        for topic in active:
            name = f"{PREFIX}{topic.slug}"
            keep.add(name)
            _, created = Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": INGEST_FUNC,
                    "args": repr(topic.pk),
                    "kwargs": repr({"q_options": {"timeout": settings.Q_TIMEOUT, "group": INGEST_GROUP}}),
                    "schedule_type": Schedule.DAILY,
                    "repeats": -1,
                    "next_run": next_run,
                },
            )
            self.stdout.write(
                f"{'created' if created else 'updated'} {name}: daily at {at} UTC, next {next_run:%Y-%m-%d %H:%M}"
            )
        stale = Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=keep)
        for name in stale.values_list("name", flat=True):
            self.stdout.write(f"removed {name}")
        stale.delete()

    def _sweeps(self) -> None:
        # A pipeline task lost with a killed worker or a restarted Redis is not
        # re-delivered; this sweep queues its papers again.
        Schedule.objects.update_or_create(
            name=RESUME_SCHEDULE,
            defaults={
                "func": RESUME_FUNC,
                "kwargs": repr({"q_options": {"timeout": settings.Q_TIMEOUT, "group": PIPELINE_GROUP}}),
                "schedule_type": Schedule.MINUTES,
                "minutes": settings.PIPELINE_RESUME_MINUTES,
                "repeats": -1,
            },
        )
        self.stdout.write(f"{RESUME_SCHEDULE}: every {settings.PIPELINE_RESUME_MINUTES} min")
        schedules_setup.send(sender=None, write=self.stdout.write)
