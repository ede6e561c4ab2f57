"""Full-text search over public papers: titles, authors, abstracts, summaries.

``search_papers`` is the one entry point; below it a backend speaks SQLite FTS5
or PostgreSQL full-text search over the same table name and the same ranking
idea (title > authors > abstract > summaries). Only papers shown in a
published digest are ever returned.

Chinese has no spaces between words, so CJK characters are indexed one per
token and a CJK query term becomes a phrase of adjacent characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from papers.text import CJK_CHAR

from .selectors import public_entries

TABLE = "digests_paper_search"
MAX_QUERY_TERMS = 12

_WORD = re.compile(r"\w+")
_ARXIV_ID = re.compile(r"(?i)(?<!\w)(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?(?!\w)")


def tokenizable(text: str) -> str:
    """Return text with every CJK character standing alone as a token."""
    return CJK_CHAR.sub(lambda m: f" {m.group()} ", text)


def query_terms(query: str) -> list[list[str]]:
    """Split a user's query into terms, each a list of adjacent tokens."""
    terms = []
    # "arXiv:2404.19382v1" is how the pages print an id; the index holds the bare id.
    query = _ARXIV_ID.sub(r"\1", query)
    for raw in query.split()[:MAX_QUERY_TERMS]:
        tokens = _WORD.findall(tokenizable(raw).replace("_", " "))
        if tokens:
            terms.append(tokens)
    return terms


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    paper_ids: list[int]


class SqliteBackend:
    # Column weights for bm25(): title, authors, abstract, summaries, fingerprint.
    WEIGHTS = "10.0, 5.0, 2.0, 1.0, 0.0"

    def match(self, terms: list[list[str]]) -> str:
        return " ".join('"' + " ".join(tokens) + '"' for tokens in terms)

    def count(self, terms, public_sql: str, public_params) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({public_sql})",
                [self.match(terms), *public_params],
            )
            return cursor.fetchone()[0]

    def ranked_ids(self, terms, public_sql: str, public_params, *, limit: int, offset: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({public_sql})"
                f" ORDER BY bm25({TABLE}, {self.WEIGHTS}), rowid DESC LIMIT %s OFFSET %s",
                [self.match(terms), *public_params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def fingerprints(self, ids: list[int] | None = None) -> dict[int, str]:
        """Return the stored fingerprint of each indexed paper (of ``ids`` only, if given)."""
        with connection.cursor() as cursor:
            if ids is None:
                cursor.execute(f"SELECT rowid, fingerprint FROM {TABLE}")
                return dict(cursor.fetchall())
            found = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(
                    f"SELECT rowid, fingerprint FROM {TABLE} WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk
                )
                found.update(cursor.fetchall())
            return found

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk)

    def insert(self, rows: list[tuple[int, str, str, str, str, str]]) -> None:
        """Insert (paper_id, fingerprint, title, authors, abstract, summaries) rows."""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, fingerprint, title, authors, abstract, summaries)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )


class PostgresBackend:
    CONFIG = "english"
    DOCUMENT = (
        "setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B')"
        " || setweight(to_tsvector('english', %s), 'C') || setweight(to_tsvector('english', %s), 'D')"
    )

    def match(self, terms: list[list[str]]) -> str:
        # Tokens are \w+ only, so no tsquery operator can come from the user.
        return " & ".join("(" + " <-> ".join(tokens) + ")" for tokens in terms)

    def count(self, terms, public_sql: str, public_params) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE document @@ to_tsquery('{self.CONFIG}', %s)"
                f" AND paper_id IN ({public_sql})",
                [self.match(terms), *public_params],
            )
            return cursor.fetchone()[0]

    def ranked_ids(self, terms, public_sql: str, public_params, *, limit: int, offset: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT paper_id FROM {TABLE}, to_tsquery('{self.CONFIG}', %s) AS q"
                f" WHERE document @@ q AND paper_id IN ({public_sql})"
                " ORDER BY ts_rank_cd(document, q) DESC, paper_id DESC LIMIT %s OFFSET %s",
                [self.match(terms), *public_params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def fingerprints(self, ids: list[int] | None = None) -> dict[int, str]:
        with connection.cursor() as cursor:
            if ids is None:
                cursor.execute(f"SELECT paper_id, fingerprint FROM {TABLE}")
            else:
                cursor.execute(f"SELECT paper_id, fingerprint FROM {TABLE} WHERE paper_id = ANY(%s)", [ids])
            return dict(cursor.fetchall())

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE paper_id = ANY(%s)", [list(ids)])

    def insert(self, rows) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (paper_id, fingerprint, document) VALUES (%s, %s, {self.DOCUMENT})", rows
            )


def backend() -> SqliteBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"Search has no backend for {connection.vendor}")


def search_papers(*, query: str, limit: int, offset: int = 0) -> SearchResults:
    """Return public papers matching ``query``, best first, one page of them."""
    terms = query_terms(query)
    if not terms:
        return SearchResults(query=query, total=0, paper_ids=[])
    # The index also holds scheduled digests' papers: who may see them is decided now.
    public_sql, public_params = public_entries().values("paper_id").query.sql_with_params()
    engine = backend()
    total = engine.count(terms, public_sql, public_params)
    ids = engine.ranked_ids(terms, public_sql, public_params, limit=limit, offset=offset) if total else []
    return SearchResults(query=query, total=total, paper_ids=ids)
