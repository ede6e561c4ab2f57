"""Export a topic's published digests as Hexo Markdown posts."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from digests.services.hexo_export import hexo_export
from papers.management.options import day_option, topic_option


class Command(BaseCommand):
    help = "Write one Hexo post per published digest of a topic (the current, edited summaries)."

    def add_arguments(self, parser):
        parser.add_argument("topic", help="Topic slug")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--date", help="Only the digest of this day (YYYY-MM-DD)")
        when.add_argument("--since", help="Digests from this day on (YYYY-MM-DD)")
        parser.add_argument("-o", "--output", default=".", help="Folder to write the posts into (default: .)")

    def handle(self, *args, topic: str, date: str | None, since: str | None, output: str, **options):
        written = hexo_export(
            topic=topic_option(topic),
            out_dir=Path(output),
            date=day_option(date),
            since=day_option(since, "--since"),
        )
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(f"{len(written)} post(s) written to {output}")
