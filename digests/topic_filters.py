"""A topic's public papers filtered by keyword, author and affiliation, each to include or exclude.

The filters live in the URL (``?q=diffusion&author=Ho&not_q=survey``) so a
filtered list can be bookmarked or followed as a feed; ``topic_papers_filtered``
is the one read behind the page and the feed.

* ``q`` / ``not_q``: words in the title or abstract, through the full-text
  index (stemmed, Chinese as in search), or starting a word of a summary's
  keywords. Every ``q`` word must match; any ``not_q`` word excludes.
* ``author`` / ``not_author``: comma-separated name parts, each matching the
  start of a word in an author's name ("Ho" finds "Jonathan Ho", not "Thomas").
  Every ``author`` part must match; any ``not_author`` part excludes.
* ``affil`` / ``not_affil``: text within the first author's affiliation.

All are case-insensitive, and an exclude wins over an include.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from papers.models import Paper, Summary, Topic

from .search import MAX_QUERY_TERMS, TABLE, query_terms
from .selectors import public_entries, summaries_prefetch

MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class PaperFilters:
    q: str = ""
    author: str = ""
    affil: str = ""
    not_q: str = ""
    not_author: str = ""
    not_affil: str = ""

    @classmethod
    def from_query(cls, params) -> PaperFilters:
        """Read the filters from a request's GET parameters, whitespace collapsed and length capped."""
        return cls(**{f.name: " ".join(params.get(f.name, "").split())[:MAX_VALUE_LENGTH] for f in fields(cls)})

    def querystring(self) -> str:
        """The filters as URL parameters, empty ones left out (for links, pagers and the feed)."""
        return urlencode({name: value for name, value in asdict(self).items() if value})

    def __bool__(self) -> bool:
        return any(asdict(self).values())


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _fts_ids(tokens: list[str]) -> RawSQL:
    """Ids of indexed papers with these adjacent tokens in the title or the abstract."""
    if connection.vendor == "postgresql":
        # Weight A is the title, C the abstract. Tokens are \w+ only, so no tsquery operator comes from a reader.
        query = " <-> ".join(f"{token}:AC" for token in tokens)
        return RawSQL(f"SELECT paper_id FROM {TABLE} WHERE document @@ to_tsquery('english', %s)", [query])
    match = '{title abstract} : "' + " ".join(tokens) + '"'
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])


def _word_start(field: str, text: str) -> Q:
    """``field`` (JSON text of a list of strings) has a word starting with ``text``, case-insensitively."""
    # Every item follows '"' or ', ', so a word start follows a non-alphanumeric.
    patterns = {json.dumps(text.lower())[1:-1], text.lower()}  # SQLite keeps non-ASCII as \u escapes
    condition = Q()
    for pattern in patterns:
        condition |= Q(**{f"{field}__iregex": r"[^a-z0-9]" + re.escape(pattern)})
    return condition


def _keyword_q(word: str) -> Q | None:
    """Papers with ``word`` in the title or abstract (stemmed, via the index) or starting a summary keyword."""
    terms = query_terms(word)
    if not terms:
        return None
    keywords = Summary.objects.filter(paper=OuterRef("pk")).filter(_word_start("keywords", word))
    return Q(pk__in=_fts_ids(terms[0])) | Q(Exists(keywords))


def _keyword_words(value: str) -> list[str]:
    return value.split()[:MAX_QUERY_TERMS]


def topic_papers_matching(topic: Topic, filters: PaperFilters) -> QuerySet[Paper]:
    """The topic's public papers passing ``filters``, unordered: the one definition of the filters."""
    papers = Paper.objects.filter(Exists(_shown(topic)))
    for word in _keyword_words(filters.q):
        if (condition := _keyword_q(word)) is not None:
            papers = papers.filter(condition)
    for word in _keyword_words(filters.not_q):
        if (condition := _keyword_q(word)) is not None:
            papers = papers.exclude(condition)
    for part in _names(filters.author):
        papers = papers.filter(_word_start("authors", part))
    for part in _names(filters.not_author):
        papers = papers.exclude(_word_start("authors", part))
    if filters.affil:
        papers = papers.filter(content__affiliation__icontains=filters.affil)
    if filters.not_affil:
        papers = papers.exclude(content__affiliation__icontains=filters.not_affil)
    return papers


def _shown(topic: Topic):
    return public_entries().filter(digest__topic=topic, paper=OuterRef("pk")).order_by("-digest__date")


def topic_papers_filtered(topic: Topic, filters: PaperFilters) -> QuerySet[Paper]:
    """Return the topic's public papers passing ``filters``, newest digest first.

    Each paper carries ``digest_date`` and ``digest_published_at`` (of the
    newest public digest of the topic that shows it), its content and its
    summaries, so a page of them costs the same queries however long it is.
    """
    shown = _shown(topic)
    return (
        topic_papers_matching(topic, filters)
        .annotate(
            digest_date=Subquery(shown.values("digest__date")[:1]),
            digest_published_at=Subquery(shown.values("digest__published_at")[:1]),
            digest_position=Subquery(shown.values("position")[:1]),
        )
        .select_related("content")
        .prefetch_related(summaries_prefetch("summaries"))
        # The paper feed's order: newest day first, then the digest's own order.
        .order_by("-digest_date", "digest_position", "-pk")
    )
