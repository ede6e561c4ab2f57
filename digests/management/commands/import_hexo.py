"""Import Hexo digest posts (files or folders, recursively)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.services.hexo_import import hexo_file_import, hexo_posts_find
from papers.models import Topic


class Command(BaseCommand):
    help = (
        "Import Hexo digest posts: topics, papers, imported summaries (validated and flagged), figure "
        "references and a published digest per post. Re-importing an unchanged post changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Post files or folders (searched recursively for *.md)")
        parser.add_argument("--topic", help="Slug of an existing topic to import into (default: from the post)")
        parser.add_argument(
            "--fetch-images", action="store_true", help="Also download the figure images into media storage"
        )

    def handle(self, *args, paths: list[str], topic: str | None, fetch_images: bool, **options):
        topic_obj = None
        if topic:
            try:
                topic_obj = Topic.objects.get(slug=topic)
            except Topic.DoesNotExist as exc:
                raise CommandError(f"No topic with slug {topic!r}") from exc
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        files = hexo_posts_find(paths=[Path(p) for p in paths])
        imported = unchanged = skipped = flagged = 0
        for path in files:
            report = hexo_file_import(path=path, topic=topic_obj, fetch_images=fetch_images)
            if report.skipped:
                skipped += 1
                self.stderr.write(report.describe())
                continue
            imported += report.changed
            unchanged += not report.changed
            flagged += len(report.flagged)
            self.stdout.write(report.describe())
        self.stdout.write(
            f"{len(files)} file(s): {imported} imported or updated, {unchanged} unchanged, {skipped} skipped; "
            f"{flagged} paper(s) flagged for review"
        )
        if skipped:
            raise CommandError(f"{skipped} file(s) could not be imported; see the lines above")
