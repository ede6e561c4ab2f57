"""django-q2 entry points for digests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django_q.tasks import async_task

from digests.services.build import digest_build
from papers.models import Topic


def build_digest_task(topic_id: int, date_iso: str) -> int:
    topic = Topic.objects.get(pk=topic_id)
    return digest_build(topic=topic, date=datetime.date.fromisoformat(date_iso)).pk


def digest_build_enqueue(*, topic: Topic, date: datetime.date) -> str:
    return async_task(
        "digests.tasks.build_digest_task",
        topic.pk,
        date.isoformat(),
        timeout=settings.Q_TIMEOUT,
        group="digest",
        task_name=f"digest:{topic.slug}:{date.isoformat()}",
    )
