"""Fetch a topic's new papers from arXiv for one day (or each day since a date)."""

from __future__ import annotations

import datetime
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.urls import reverse

from papers.management.options import day_option, topic_option
from papers.models import IngestRunStatus, Paper, Topic
from papers.queue import paper_batches
from papers.services.ingest import topic_ingest
from papers.services.pipeline import papers_process
from papers.services.replay import replay_serve


class Command(BaseCommand):
    help = "Fetch a topic's papers of a day from arXiv and run (or queue) the pipeline for them."

    def add_arguments(self, parser):
        parser.add_argument("topic", help="Topic slug")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--date", help="Digest date YYYY-MM-DD (default: today, UTC)")
        when.add_argument("--since", help="Backfill: one ingest per day from this date to today (UTC)")
        parser.add_argument(
            "--source",
            help="A recorded arXiv answer (XML) to replay instead of the live API; PDFs from pdfs/ beside it. "
            "Implies --sync.",
        )
        parser.add_argument("--sync", action="store_true", help="Run the pipeline here instead of queueing it")

    def handle(self, *args, topic: str, date=None, since=None, source=None, sync=False, **options):
        topic_obj = topic_option(topic)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        if since:
            start = day_option(since, "--since")
            if start > today:
                raise CommandError("--since is in the future")
            days = [start + datetime.timedelta(days=n) for n in range((today - start).days + 1)]
        else:
            days = [day_option(date) or today]
        self.tty = self.stdout.isatty()

        if source:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"Recorded answer not found: {path}")
            context = replay_serve(path)
            sync = True  # the replay server lives only as long as this command
            # arXiv's courtesy pacing is for arxiv.org, not for our own local replay.
            pacing = override_settings(ARXIV_API_DELAY_SECONDS=0.0, ARXIV_PDF_DELAY_SECONDS=0.0)
        else:
            context = nullcontext(None)
            pacing = nullcontext()

        failed = 0
        with context as server, pacing:
            for day in days:
                failed += not self._ingest_day(topic_obj, day, server=server, sync=sync)
            if server is not None:
                # The local server is gone after this command; keep links that still work.
                for paper in Paper.objects.filter(pdf_url__startswith=server.base_url):
                    paper.pdf_url = paper.arxiv_pdf_url
                    paper.save(update_fields=["pdf_url", "updated_at"])
        if failed:
            raise CommandError(f"{failed} of {len(days)} ingest run(s) failed; see the errors above and the admin")

    def _ingest_day(self, topic: Topic, day: datetime.date, *, server, sync: bool) -> bool:
        run = topic_ingest(
            topic=topic,
            digest_date=day,
            source_url=server.api_url if server is not None else None,
            enqueue=not sync,
        )
        if run.status == IngestRunStatus.FAILED:
            self.stderr.write(f"{topic.slug} {day}: ingest failed: {run.error}")
            return False
        self.stdout.write(
            f"{topic.slug} {day}: {run.total_results} returned, {run.new_count} new, "
            f"{run.updated_count} updated, {run.unchanged_count} unchanged, "
            f"{run.skipped_count} outside the window"
        )
        if run.note:
            self.stdout.write(f"  {run.note}")
        pending = run.pending_paper_ids
        if not sync:
            if pending:
                self.stdout.write(f"  queued {len(pending)} papers for the pipeline (run `manage.py qcluster`)")
            return True
        self._process(pending)
        if run.status == IngestRunStatus.OK:
            # The digests app built the day's digest as the papers finished (papers_processed).
            self.stdout.write(f"  digest {reverse('digests:digest', kwargs={'slug': topic.slug, 'date': day})}")
        return True

    def _process(self, paper_ids: list[int]) -> None:
        if not paper_ids:
            return
        bar = None
        if self.tty:
            from tqdm import tqdm

            bar = tqdm(total=len(paper_ids), unit="paper", desc="pipeline")
        done = failed = 0
        for chunk in paper_batches(paper_ids):
            outcome = papers_process(paper_ids=chunk)
            done += len(outcome.done)
            failed += len(outcome.failed)
            if bar is not None:
                bar.update(len(chunk))
            else:
                self.stdout.write(f"  processed {done + failed}/{len(paper_ids)}: {done} summarized, {failed} failed")
            for paper_id, message in outcome.failed.items():
                self.stderr.write(f"  paper {paper_id} failed: {message}")
        if bar is not None:
            bar.close()
            self.stdout.write(f"  {done} summarized, {failed} failed")
