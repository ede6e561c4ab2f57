"""Run (or re-run) the pipeline for papers that are not summarized yet."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from papers.management.options import day_option
from papers.models import Paper, PaperStatus
from papers.queue import paper_batches, papers_enqueue
from papers.services.pipeline import papers_process


class Command(BaseCommand):
    help = "Retry the pipeline: download, parse and summarize papers that are not done (or only failed ones)."

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="Only papers whose last run failed")
        parser.add_argument("--topic", help="Only papers of this topic (slug)")
        parser.add_argument("--date", help="Only papers of this digest date (YYYY-MM-DD)")
        parser.add_argument("--force", action="store_true", help="Re-parse even when the parse is current")
        parser.add_argument("--enqueue", action="store_true", help="Queue for the cluster instead of running here")

    def handle(self, *args, failed=False, topic=None, date=None, force=False, enqueue=False, **options):
        papers = Paper.objects.all()
        if failed:
            papers = papers.filter(status=PaperStatus.FAILED)
        elif not force:
            papers = papers.exclude(status=PaperStatus.SUMMARIZED)
        if topic:
            papers = papers.filter(topicpaper__topic__slug=topic)
        if date:
            papers = papers.filter(topicpaper__digest_date=day_option(date))
        ids = list(papers.order_by("pk").values_list("pk", flat=True).distinct())
        if not ids:
            self.stdout.write("Nothing to process.")
            return
        if enqueue:
            tasks = papers_enqueue(paper_ids=ids)
            self.stdout.write(f"Queued {len(ids)} papers in {tasks} tasks.")
            return
        bar = None
        if self.stdout.isatty():
            from tqdm import tqdm

            bar = tqdm(total=len(ids), unit="paper", desc="pipeline")
        done = failures = busy = 0
        processed = 0
        for batch in paper_batches(ids):
            outcome = papers_process(paper_ids=batch, force=force)
            processed += len(batch)
            done += len(outcome.done)
            failures += len(outcome.failed)
            busy += len(outcome.busy)
            for paper_id, message in outcome.failed.items():
                self.stderr.write(f"paper {paper_id} failed: {message}")
            if bar is not None:
                bar.update(len(batch))
            else:
                self.stdout.write(f"processed {processed}/{len(ids)}")
        if bar is not None:
            bar.close()
        self.stdout.write(f"{done} summarized, {failures} failed, {busy} busy in another worker.")
