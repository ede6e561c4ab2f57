"""Rank every published paper's related papers again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from digests.services.related import related_method, related_papers_rebuild
from digests.services.search_index import search_index_refresh


class Command(BaseCommand):
    help = (
        "Recompute every published paper's related papers (full-text ranking, or embeddings when "
        "RELATED_EMBEDDINGS_MODEL is set) and drop the lists of papers no longer published."
    )

    def handle(self, *args, **options):
        # The full-text ranking reads the search index: bring it up to date first.
        search_index_refresh()
        changed = related_papers_rebuild()
        self.stdout.write(f"Related papers by {related_method()}: {changed} lists changed.")
