"""Keep the full-text index in line with the papers of published digests.

Refreshed when a change to what the public sees commits (``public_site_refresh``),
never by a search. It holds scheduled digests' papers too and ``search_papers``
decides visibility when it asks, so a digest going live needs no re-index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max

from papers.models import Paper, Summary

from ..models import DigestEntry, DigestStatus
from ..search import backend, tokenizable


def _summary_text(summary: Summary) -> str:
    parts = []
    for name in Summary.SECTION_FIELDS:
        value = getattr(summary, name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        else:
            parts.append(value or "")
    return " ".join(p for p in parts if p)


def _people_text(paper: Paper) -> str:
    """Authors, the first author's affiliation and the arXiv id, ranked with the authors."""
    content = getattr(paper, "content", None)
    affiliation = content.affiliation if content is not None else ""
    # PostgreSQL's parser keeps "2404.19382" as one lexeme; queries split ids at the dot, so index the parts.
    return " ".join([re.sub(r"[./]", " ", paper.arxiv_id), ", ".join(paper.authors), affiliation])


def search_index_refresh(*, paper_ids: Iterable[int] | None = None) -> int:
    """Re-index changed papers of published digests, drop the others; return rows changed.

    ``paper_ids`` limits the work to the papers a change touched; without it every paper is looked at.
    """
    ids = None if paper_ids is None else sorted(set(paper_ids))
    published = DigestEntry.objects.shown().filter(digest__status=DigestStatus.PUBLISHED)
    papers = Paper.objects.filter(pk__in=published.values("paper_id"))
    if ids is not None:
        papers = papers.filter(pk__in=ids)
    public = papers.annotate(
        summaries_changed=Max("summaries__updated_at"), summary_count=Count("summaries")
    ).values_list("pk", "updated_at", "summaries_changed", "summary_count", "content__affiliation")
    # The affiliation is part of the fingerprint: an editor's correction changes no timestamp of the paper.
    wanted = {
        pk: f"{updated.isoformat()}|{summaries_changed.isoformat() if summaries_changed else '-'}|{count}"
        f"|{hashlib.sha1((affiliation or '').encode()).hexdigest()[:12]}"
        for pk, updated, summaries_changed, count, affiliation in public
    }
    engine = backend()
    if engine.fingerprints(ids) == wanted:
        return 0  # most refreshes: nothing to write, so no write lock taken
    with transaction.atomic():
        stored = engine.fingerprints(ids)
        stale = [pk for pk, fingerprint in wanted.items() if stored.get(pk) != fingerprint]
        gone = [pk for pk in stored if pk not in wanted]
        engine.delete(gone + [pk for pk in stale if pk in stored])
        for start in range(0, len(stale), 200):
            papers = (
                Paper.objects.filter(pk__in=stale[start : start + 200])
                .select_related("content")
                .prefetch_related("summaries")
            )
            engine.insert(
                [
                    (
                        paper.pk,
                        wanted[paper.pk],
                        tokenizable(paper.title),
                        tokenizable(_people_text(paper)),
                        tokenizable(paper.abstract),
                        tokenizable(" ".join(_summary_text(s) for s in paper.summaries.all())),
                    )
                    for paper in papers
                ]
            )
    return len(stale) + len(gone)
