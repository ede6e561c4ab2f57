"""The summary stage.

PLACEHOLDER until the summary stage lands: one-line summary from the abstract.
Contract: ``papers_summarize(*, papers) -> dict[paper_id, Exception | None]``
summarizes each paper in the language of each of its topics, concurrently,
skipping papers whose summary is current; per-paper failures are returned,
never raised, so one bad paper never stops the batch.
"""

from __future__ import annotations

import re

from papers.models import Paper, Summary


def paper_summarize(*, paper: Paper, language: str) -> Summary:
    first_sentence = re.split(r"(?<=[.!?])\s+", paper.abstract.strip(), maxsplit=1)[0]
    summary, _ = Summary.objects.update_or_create(
        paper=paper,
        language=language,
        defaults={"one_line": first_sentence, "backend": "extractive", "source_version": paper.version},
    )
    return summary


def papers_summarize(*, papers: list[Paper]) -> dict[int, Exception | None]:
    outcome: dict[int, Exception | None] = {}
    for paper in papers:
        try:
            languages = {topic.language for topic in paper.topics.all()} or {"en"}
            for language in sorted(languages):
                paper_summarize(paper=paper, language=language)
            outcome[paper.pk] = None
        except Exception as exc:  # reported per paper by the pipeline
            outcome[paper.pk] = exc
    return outcome
