"""How digests follow what happens to papers: papers sends signals, digests acts on them.

Connected in ``DigestsConfig.ready``; papers never imports this module.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django.utils import timezone

from papers.models import IngestRunStatus
from papers.signals import figures_hidden, ingest_finished, papers_processed, public_data_changed

from .models import Digest
from .services.build import digest_build, digests_refresh_for_papers
from .services.public import papers_seen_by_public, public_site_refresh, public_site_refresh_on_commit

logger = logging.getLogger("paperdigest.digests")


@receiver(public_data_changed, dispatch_uid="digests-public-cache")
def _public_site_refresh(sender, *, paper_ids: list[int], **kwargs) -> None:
    # Sent after the commit already.
    if papers_seen_by_public(paper_ids):
        public_site_refresh(paper_ids=paper_ids)


@receiver(papers_processed, dispatch_uid="digests-refresh")
def _digests_refresh(sender, *, paper_ids: list[int], **kwargs) -> None:
    digests_refresh_for_papers(paper_ids=paper_ids)


@receiver(ingest_finished, dispatch_uid="digests-ingest-day")
def _digest_build_for_run(sender, *, run, **kwargs) -> None:
    # A failed ingest leaves the day as it was: its papers (if any) are still the last good answer.
    if run.status == IngestRunStatus.FAILED:
        return
    try:
        digest_build(topic=run.topic, date=run.digest_date)
    except Exception:
        logger.exception("Building the digest of %s for %s failed", run.topic.slug, run.digest_date)


@receiver(ingest_finished, dispatch_uid="digests-ingest-coverage")
def _coverage_refresh(sender, *, run, **kwargs) -> None:
    # The coverage ledger and calendar show each finished run's counts, even of a day with nothing new.
    if run.status != IngestRunStatus.FAILED and run.topic.is_active:
        public_site_refresh_on_commit()


@receiver(figures_hidden, dispatch_uid="digests-cover-hidden")
def _covers_release(sender, *, figure_ids: list[int], **kwargs) -> None:
    # A hidden figure stops being any digest's cover, in the same transaction as the hiding.
    Digest.objects.filter(cover_figure_id__in=figure_ids).update(cover_figure=None, updated_at=timezone.now())
