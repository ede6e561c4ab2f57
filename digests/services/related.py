"""Each public paper's nearest papers in the site's own archive, precomputed into ``RelatedPaper``.

Two ways to rank, chosen by ``RELATED_EMBEDDINGS_MODEL``:

* empty (the default): "more like this" through the full-text index. The
  paper's top terms (title and summary keywords count thrice, the abstract
  once, stop words dropped) become one OR query, and the search backend's own
  ranking (FTS5 bm25 / PostgreSQL ts_rank) weighs them by how rare they are,
  which is TF-IDF without a second index or a numeric stack to install.
* a model name: cosine similarity of embeddings from the OpenAI-compatible
  ``/embeddings`` endpoint at ``OPENAI_BASE_URL``, kept in ``PaperEmbedding``
  until a paper's text changes.

The archive ranked is the papers of published digests (scheduled ones too,
as in the search index); who may see a neighbour is decided when a page asks.
``related_papers_refresh`` runs after each commit that changes what the
public sees, for the touched papers and their neighbours, so no reader's
request ever computes a neighbour.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable

import openai
from django.conf import settings
from django.db import connection, transaction

from papers.models import Paper
from papers.text import CJK_CHAR

from ..models import DigestEntry, DigestStatus, PaperEmbedding, RelatedPaper
from ..search import TABLE
from .cache import public_cache_invalidate

logger = logging.getLogger("paperdigest.digests")

STORED = 10  # more than a page shows, so neighbours gone private still leave five to show
QUERY_TERMS = 16
MAX_NEIGHBOURS = 200  # per refresh; the rebuild command mends whatever a larger change left
EMBEDDING_BATCH = 64
EMBEDDING_TIMEOUT_SECONDS = 30.0

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(
    """
    a about above across after again against all almost along also although always among an and another any are
    around as at be because been before being below between both but by can could did do does doing done down
    during each either else enough even ever every few for from further get gets given gives had has have having
    here how however if in into is it its itself just less like made main make makes many may more most much must
    new not now of off often on once one only onto or other others our ours out over own per rather same several
    shall should show shows shown since so some such than that the their them then there these they this those
    though through thus to too toward towards under until up upon use used uses using very via was we well were
    what when where whether which while who whom whose why will with within without would yet you your
    approach approaches based paper papers propose proposed proposes present presents method methods work works
    result results study studies existing prior achieve achieves achieved demonstrate demonstrates experiments
    experimental extensive outperforms significantly state art novel first two three across furthermore moreover
    """.split()
)


def corpus_ids() -> set[int]:
    """Papers that may be ranked: those shown in a published digest, live or scheduled."""
    published = DigestEntry.objects.shown().filter(digest__status=DigestStatus.PUBLISHED)
    return set(published.values_list("paper_id", flat=True).distinct())


def related_method() -> str:
    model = settings.RELATED_EMBEDDINGS_MODEL
    return f"embeddings:{model}" if model else "search"


# --- Full-text "more like this" ------------------------------------------


def _keywords(paper: Paper) -> list[str]:
    return [str(k) for summary in paper.summaries.all() for k in (summary.keywords or [])]


def paper_top_terms(paper: Paper, *, limit: int = QUERY_TERMS) -> list[list[str]]:
    """Return the paper's most telling terms, each a list of adjacent tokens (a CJK keyword is a phrase)."""
    counts: Counter[tuple[str, ...]] = Counter()
    first_seen: dict[tuple[str, ...], int] = {}

    def add(term: tuple[str, ...], weight: int) -> None:
        counts[term] += weight
        first_seen.setdefault(term, len(first_seen))

    for text, weight in ((paper.title, 3), (" ".join(_keywords(paper)), 3), (paper.abstract, 1)):
        for word in _WORD.findall(CJK_CHAR.sub(" ", text.lower())):
            if len(word) > 2 and not word.isdigit() and word not in STOP_WORDS:
                add((word,), weight)
    for keyword in _keywords(paper):
        characters = CJK_CHAR.findall(keyword)
        if len(characters) > 1:
            add(tuple(characters), 3)
    ranked = sorted(counts, key=lambda term: (-counts[term], first_seen[term]))
    return [list(term) for term in ranked[:limit]]


class SqliteRanker:
    # bm25 column weights: title, authors, abstract, summaries, fingerprint. People are no topic.
    WEIGHTS = "3.0, 0.0, 1.0, 1.0, 0.0"

    def neighbours(self, paper_id: int, terms: list[list[str]], *, limit: int) -> list[tuple[int, float]]:
        match = "{title abstract summaries} : (" + " OR ".join('"' + " ".join(t) + '"' for t in terms) + ")"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, bm25({TABLE}, {self.WEIGHTS}) AS rank FROM {TABLE}"
                f" WHERE {TABLE} MATCH %s AND rowid != %s ORDER BY rank, rowid DESC LIMIT %s",
                [match, paper_id, limit],
            )
            # bm25() is lower for better matches.
            return [(pk, -rank) for pk, rank in cursor.fetchall()]


class PostgresRanker:
    def neighbours(self, paper_id: int, terms: list[list[str]], *, limit: int) -> list[tuple[int, float]]:
        # Weight A is the title, C the abstract, D the summaries; B (people) is left out. Tokens are \w+ only.
        query = " | ".join("(" + " <-> ".join(f"{token}:ACD" for token in t) + ")" for t in terms)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT paper_id, ts_rank(document, q) AS rank FROM {TABLE}, to_tsquery('english', %s) AS q"
                " WHERE document @@ q AND paper_id <> %s ORDER BY rank DESC, paper_id DESC LIMIT %s",
                [query, paper_id, limit],
            )
            return [(pk, float(rank)) for pk, rank in cursor.fetchall()]


def _ranker() -> SqliteRanker | PostgresRanker:
    if connection.vendor == "postgresql":
        return PostgresRanker()
    if connection.vendor == "sqlite":
        return SqliteRanker()
    raise NotImplementedError(f"Related papers have no ranker for {connection.vendor}")


class SearchNeighbours:
    """Neighbours by the full-text index (which ``search_index_refresh`` has just brought up to date)."""

    method = "search"

    def __init__(self, corpus: set[int]) -> None:
        self.corpus = corpus
        self.ranker = _ranker()

    def prepare(self, papers: list[Paper]) -> None:
        pass

    def neighbours(self, paper: Paper) -> list[tuple[int, float]]:
        terms = paper_top_terms(paper)
        if not terms:
            return []
        # The index may briefly hold papers no longer published; ask for a few more and drop them.
        found = self.ranker.neighbours(paper.pk, terms, limit=STORED * 2)
        return [(pk, score) for pk, score in found if pk in self.corpus][:STORED]


# --- Embeddings -------------------------------------------------------------


def embedding_text(paper: Paper) -> str:
    return "\n".join([paper.title, ", ".join(_keywords(paper)), paper.abstract]).strip()


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class EmbeddingClient:
    """The OpenAI-compatible ``/embeddings`` endpoint, through the official client (it retries itself)."""

    def __init__(self, *, model_name: str) -> None:
        self.model_name = model_name
        self.client = openai.OpenAI(
            base_url=settings.OPENAI_BASE_URL or None,
            # Local servers accept any key; the client insists on one.
            api_key=settings.OPENAI_API_KEY or "not-needed",
            # It runs after an editor's commit, in their request: a dead server must not hold it for minutes.
            timeout=min(settings.LLM_TIMEOUT_SECONDS, EMBEDDING_TIMEOUT_SECONDS),
            max_retries=settings.LLM_MAX_RETRIES,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        response = self.client.embeddings.create(model=self.model_name, input=texts)
        # The API may answer out of order; ``index`` says which input each vector is.
        vectors = sorted(response.data, key=lambda item: item.index)
        if len(vectors) != len(texts):
            raise ValueError(f"The embeddings server answered {len(vectors)} vectors for {len(texts)} texts")
        return [list(item.embedding) for item in vectors]


def paper_embeddings_ensure(papers: Iterable[Paper], *, client: EmbeddingClient) -> int:
    """Embed the papers whose text has no current embedding for the model; return how many were embedded."""
    papers = list(papers)
    stored = {
        row.paper_id: row
        for row in PaperEmbedding.objects.filter(paper__in=papers, model_name=client.model_name).only(
            "paper_id", "text_hash"
        )
    }
    stale = []
    for paper in papers:
        text = embedding_text(paper)
        text_hash = hashlib.sha1(text.encode()).hexdigest()
        row = stored.get(paper.pk)
        if row is None or row.text_hash != text_hash:
            stale.append((paper, text, text_hash))
    for start in range(0, len(stale), EMBEDDING_BATCH):
        batch = stale[start : start + EMBEDDING_BATCH]
        vectors = client.embed([text for _, text, _ in batch])
        with transaction.atomic():
            for (paper, _, text_hash), vector in zip(batch, vectors, strict=True):
                PaperEmbedding.objects.update_or_create(
                    paper=paper,
                    model_name=client.model_name,
                    defaults={"text_hash": text_hash, "vector": _unit(vector)},
                )
    return len(stale)


class EmbeddingNeighbours:
    """Neighbours by cosine similarity of stored unit vectors."""

    def __init__(self, corpus: set[int], *, model_name: str) -> None:
        self.corpus = corpus
        self.method = f"embeddings:{model_name}"
        self.client = EmbeddingClient(model_name=model_name)
        self.vectors: dict[int, list[float]] = {}

    def prepare(self, papers: list[Paper]) -> None:
        paper_embeddings_ensure(papers, client=self.client)
        self.vectors = dict(
            PaperEmbedding.objects.filter(model_name=self.client.model_name, paper_id__in=self.corpus).values_list(
                "paper_id", "vector"
            )
        )

    def neighbours(self, paper: Paper) -> list[tuple[int, float]]:
        mine = self.vectors.get(paper.pk)
        if mine is None:
            return []
        scores = [
            (pk, sum(a * b for a, b in zip(mine, other, strict=False)))
            for pk, other in self.vectors.items()
            if pk != paper.pk
        ]
        scores.sort(key=lambda item: (-item[1], -item[0]))
        return scores[:STORED]


def _neighbour_finder(corpus: set[int]) -> SearchNeighbours | EmbeddingNeighbours:
    model = settings.RELATED_EMBEDDINGS_MODEL
    return EmbeddingNeighbours(corpus, model_name=model) if model else SearchNeighbours(corpus)


# --- Storing ----------------------------------------------------------------


def _papers(ids: Iterable[int]) -> list[Paper]:
    return list(Paper.objects.filter(pk__in=list(ids)).prefetch_related("summaries").order_by("pk"))


def _store(paper_id: int, neighbours: list[tuple[int, float]], method: str) -> bool:
    """Replace the paper's rows with ``neighbours``; return whether anything changed."""
    current = list(RelatedPaper.objects.filter(paper_id=paper_id).order_by("rank").values_list("related_id", "method"))
    if current == [(pk, method) for pk, _ in neighbours]:
        return False
    with transaction.atomic():
        RelatedPaper.objects.filter(paper_id=paper_id).delete()
        RelatedPaper.objects.bulk_create(
            RelatedPaper(paper_id=paper_id, related_id=pk, rank=rank, score=score, method=method)
            for rank, (pk, score) in enumerate(neighbours, start=1)
        )
    return True


def related_papers_refresh(*, paper_ids: Iterable[int]) -> int:
    """Re-rank the touched papers and their neighbours (both ways); return how many lists changed.

    Call after the full-text index is refreshed for the same papers. A touched
    paper no longer published loses its list; papers that listed it, and
    papers a touched paper now lists, are ranked again, up to ``MAX_NEIGHBOURS``.
    """
    touched = set(paper_ids)
    if not touched:
        return 0
    corpus = corpus_ids()
    changed = RelatedPaper.objects.filter(paper_id__in=touched - corpus).delete()[0] > 0
    finder = _neighbour_finder(corpus)
    live = _papers(touched & corpus)
    finder.prepare(live)
    changed_lists = 0
    new_neighbours: set[int] = set()
    for paper in live:
        found = finder.neighbours(paper)
        new_neighbours.update(pk for pk, _ in found)
        changed_lists += _store(paper.pk, found, finder.method)
    listed_them = set(RelatedPaper.objects.filter(related_id__in=touched).values_list("paper_id", flat=True))
    others = sorted(((listed_them | new_neighbours) & corpus) - touched)
    if len(others) > MAX_NEIGHBOURS:
        logger.info("Related papers: %d neighbours to re-rank, doing %d", len(others), MAX_NEIGHBOURS)
        others = others[:MAX_NEIGHBOURS]
    for paper in _papers(others):
        changed_lists += _store(paper.pk, finder.neighbours(paper), finder.method)
    if changed or changed_lists:
        # The page cache was invalidated before this ran: pages rendered in between showed the old lists.
        public_cache_invalidate()
    return changed_lists


def related_papers_rebuild() -> int:
    """Rank every published paper again and drop the lists of the others; return how many lists changed."""
    corpus = corpus_ids()
    RelatedPaper.objects.exclude(paper_id__in=corpus).delete()
    finder = _neighbour_finder(corpus)
    ids = sorted(corpus)
    chunks = [ids[start : start + 500] for start in range(0, len(ids), 500)]
    if isinstance(finder, EmbeddingNeighbours):
        for chunk in chunks:
            paper_embeddings_ensure(_papers(chunk), client=finder.client)
    finder.prepare([])  # every embedding is there now: this loads them all, once
    changed = 0
    for chunk in chunks:
        for paper in _papers(chunk):
            changed += _store(paper.pk, finder.neighbours(paper), finder.method)
    public_cache_invalidate()
    return changed
