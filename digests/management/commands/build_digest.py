"""Compose or refresh a topic's digest for one day."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from digests.services.build import digest_build
from papers.models import Topic


class Command(BaseCommand):
    help = "Compose (or refresh) a topic's digest of a day, keeping editors' order and hidden entries."

    def add_arguments(self, parser):
        parser.add_argument("topic", help="Topic slug")
        parser.add_argument("--date", required=True, help="Digest date YYYY-MM-DD")

    def handle(self, *args, topic: str, date: str, **options):
        try:
            topic_obj = Topic.objects.get(slug=topic)
        except Topic.DoesNotExist as exc:
            raise CommandError(f"No topic with slug {topic!r}") from exc
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError as exc:
            raise CommandError(f"Not a date (YYYY-MM-DD): {date}") from exc
        digest = digest_build(topic=topic_obj, date=day)
        count = digest.entries.count()
        hidden = digest.entries.filter(hidden=True).count()
        self.stdout.write(
            f"{digest}: {count} entries ({hidden} hidden), {digest.get_status_display().lower()}, "
            f"{digest.get_absolute_url()}"
        )
