"""Export a topic's published digests as Hexo Markdown posts."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.services.hexo_export import hexo_export
from papers.models import Topic


def _date(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} takes a date YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Write one Hexo post per published digest of a topic (the current, edited summaries)."

    def add_arguments(self, parser):
        parser.add_argument("topic", help="Topic slug")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--date", help="Only the digest of this day (YYYY-MM-DD)")
        when.add_argument("--since", help="Digests from this day on (YYYY-MM-DD)")
        parser.add_argument("-o", "--output", default=".", help="Folder to write the posts into (default: .)")

    def handle(self, *args, topic: str, date: str | None, since: str | None, output: str, **options):
        try:
            topic_obj = Topic.objects.get(slug=topic)
        except Topic.DoesNotExist as exc:
            raise CommandError(f"No topic with slug {topic!r}") from exc
        written = hexo_export(
            topic=topic_obj, out_dir=Path(output), date=_date(date, "--date"), since=_date(since, "--since")
        )
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(f"{len(written)} post(s) written to {output}")
