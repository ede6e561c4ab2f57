"""Re-fetch one paper's facts from arXiv by id: the same client and upsert as ingest."""

from __future__ import annotations

import logging

import arxiv
from django.db import transaction
from django.utils import timezone

from papers.models import Paper
from papers.services.arxiv_client import arxiv_client_build
from papers.services.errors import MetadataError, PipelineError
from papers.signals import public_data_changed_on_commit

logger = logging.getLogger("paperdigest.metadata")


def paper_refresh_metadata(*, paper: Paper) -> str:
    """Update the paper from arXiv; return "updated" (new version), "unchanged" or "new".

    A new version resets the paper to FETCHED so the pipeline redoes the PDF
    and summary; a failure is written to the paper's last_error and re-raised.
    """
    # Imported late: the ingest module imports the arXiv client and its parser.
    from papers.services.ingest import paper_facts_from_result, paper_upsert

    try:
        client = arxiv_client_build()
        results = list(client.results(arxiv.Search(id_list=[paper.arxiv_id], max_results=1)))
        if not results:
            raise MetadataError(f"arXiv has no paper with id {paper.arxiv_id}.")
        facts = paper_facts_from_result(results[0])
        if facts.arxiv_id != paper.arxiv_id:
            raise MetadataError(f"arXiv answered with {facts.arxiv_id} when asked for {paper.arxiv_id}.")
        with transaction.atomic():
            _refreshed, outcome = paper_upsert(facts)
            Paper.objects.filter(pk=paper.pk).update(last_task_at=timezone.now())
    except PipelineError as exc:
        Paper.objects.filter(pk=paper.pk).update(
            last_error=f"Re-fetching metadata failed: {exc}", last_task_at=timezone.now()
        )
        raise
    except Exception as exc:
        logger.exception("Re-fetching metadata of %s failed", paper.arxiv_id)
        Paper.objects.filter(pk=paper.pk).update(
            last_error=f"Re-fetching metadata failed: unexpected {type(exc).__name__}: {exc}",
            last_task_at=timezone.now(),
        )
        raise
    paper.refresh_from_db()
    return outcome


@transaction.atomic
def paper_content_correct_affiliation(*, content, affiliation: str) -> list:
    """Correct the affiliation read from the PDF and re-check the paper's summaries against it.

    Returns the re-validated summaries.
    """
    from papers.services.revisions import summary_revalidate

    content.affiliation = " ".join(affiliation.split())
    # The editor's word replaces the stage's doubt; an emptied field means "unknown, on purpose".
    content.affiliation_note = "" if content.affiliation else "Cleared by an editor."
    content.save(update_fields=["affiliation", "affiliation_note"])
    summaries = [summary_revalidate(summary=s) for s in content.paper.summaries.all()]
    public_data_changed_on_commit(paper_ids=[content.paper_id])
    return summaries
