"""Compose or refresh a topic's digest for one day."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from digests.services.build import digest_build
from papers.management.options import day_option, topic_option


class Command(BaseCommand):
    help = "Compose (or refresh) a topic's digest of a day, keeping editors' order and hidden entries."

    def add_arguments(self, parser):
        parser.add_argument("topic", help="Topic slug")
        parser.add_argument("--date", required=True, help="Digest date YYYY-MM-DD")

    def handle(self, *args, topic: str, date: str, **options):
        digest = digest_build(topic=topic_option(topic), date=day_option(date))
        count = digest.entries.count()
        hidden = digest.entries.filter(hidden=True).count()
        self.stdout.write(
            f"{digest}: {count} entries ({hidden} hidden), {digest.get_status_display().lower()}, "
            f"{digest.get_absolute_url()}"
        )
