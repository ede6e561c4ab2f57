"""arXiv's query API, asked openly: one Atom request per page, read with ``feedparser``.

A search is described by the public attributes of ``arxiv.Search`` and sent as
arXiv's API manual documents it (``search_query``/``id_list``, ``start``,
``max_results``, ``sortBy``, ``sortOrder``); entries come back as
``arxiv.Result`` objects built with their public constructor. Requests are
paced through the shared ``arxiv-api`` rate slot and retried through the
shared policy (``papers.services.retry``) on timeouts, connection errors,
429/5xx and pages that are empty when they should not be; every other failure
raises ``MetadataError`` with a sentence an editor can act on.
"""

from __future__ import annotations

import calendar
import datetime
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import arxiv
import feedparser
import requests
from django.conf import settings
from lxml import etree

from papers.services.errors import MetadataError
from papers.services.ratelimit import ARXIV_API, rate_slot_acquire
from papers.services.retry import Retryable, retry_after_parse, retrying

logger = logging.getLogger("paperdigest.arxiv_client")

ATOM_NS = "{http://www.w3.org/2005/Atom}"
ATOM_FEED_TAG = f"{ATOM_NS}feed"
# arXiv answers a query it cannot read with HTTP 200 and one entry under this id.
ARXIV_ERROR_ID_PREFIX = "http://arxiv.org/api/errors"
USER_AGENT = f"paperdigest (python-requests/{requests.__version__})"


class ArxivQueryRejected(MetadataError):
    """arXiv refused the query itself; asking again gets the same answer."""


@dataclass(frozen=True)
class ArxivPage:
    """One page of an answer: its opensearch header (``total_results`` for the whole query) and entries."""

    total_results: int
    start_index: int
    items_per_page: int
    results: list[arxiv.Result]


class ArxivClient:
    def __init__(
        self,
        *,
        api_url: str,
        page_size: int,
        num_retries: int,
        backoff_seconds: float,
        timeout_seconds: float,
        pace_seconds: float,
        sleep: Callable[[float], None] | None = None,
    ):
        self.api_url = api_url
        self.page_size = page_size
        self.num_retries = num_retries
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.pace_seconds = pace_seconds
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def results(self, search: arxiv.Search) -> Iterator[arxiv.Result]:
        """Yield the search's results page by page, up to ``search.max_results`` (None: all)."""
        limit = search.max_results
        offset = 0
        while limit is None or offset < limit:
            size = self.page_size if limit is None else min(self.page_size, limit - offset)
            page = self.page_fetch(self.query_url(search, start=offset, size=size), first_page=offset == 0)
            if not page.results:  # only a first page may be empty: the query matched nothing
                return
            yield from page.results[: None if limit is None else limit - offset]
            offset += len(page.results)
            if offset >= page.total_results:
                return

    def query_url(self, search: arxiv.Search, *, start: int, size: int) -> str:
        params = {
            "search_query": search.query,
            "id_list": ",".join(search.id_list),
            "start": start,
            "max_results": size,
            "sortBy": search.sort_by.value,
            "sortOrder": search.sort_order.value,
        }
        return f"{self.api_url}?{urlencode({k: v for k, v in params.items() if v != ''})}"

    def page_fetch(self, url: str, *, first_page: bool) -> ArxivPage:
        """Fetch and read one page, retrying what is worth retrying; raise MetadataError otherwise."""
        tries = self.num_retries + 1
        policy = retrying(
            what="arXiv API",
            logger=logger,
            attempts=tries,
            backoff=self.backoff_seconds,
            sleep=self.sleep,
        )
        try:
            return policy(self._page_fetch_once, url, first_page=first_page)
        except Retryable as err:
            raise MetadataError(f"{err} (gave up after {tries} tries; query URL: {url})") from err

    def _page_fetch_once(self, url: str, *, first_page: bool) -> ArxivPage:
        host = urlsplit(url).netloc
        rate_slot_acquire(key=ARXIV_API, interval=self.pace_seconds)
        logger.info("Requesting %s", url)
        try:
            resp = self.session.get(url, timeout=self.timeout_seconds)
        except requests.Timeout as exc:
            raise Retryable(f"The arXiv API at {host} did not answer within {self.timeout_seconds:g} s") from exc
        except requests.ConnectionError as exc:
            raise Retryable(f"Cannot connect to the arXiv API at {host} ({_reason(exc)})") from exc

        status = resp.status_code
        if status == 429 or status >= 500:
            raise Retryable(
                f"The arXiv API at {host} answered HTTP {status} ({resp.reason})",
                retry_after=retry_after_parse(resp.headers.get("Retry-After")),
            )
        if status != 200:
            raise MetadataError(
                f"The arXiv API at {host} answered HTTP {status} ({resp.reason}): {_snippet(resp.content)}"
            )

        page = arxiv_feed_parse(resp.content, host=host)
        if not page.results and (not first_page or page.total_results > 0):
            # arXiv sporadically sends an empty page in the middle of a result set.
            raise Retryable(
                f"The arXiv API at {host} sent an empty page although it reported {page.total_results} results"
            )
        return page


def arxiv_feed_parse(content: bytes, *, host: str) -> ArxivPage:
    """Read one arXiv API answer; raise MetadataError (naming ``host``) unless it is a readable Atom feed."""
    _check_rejected(_check_atom(content, host=host), host=host)
    # A stream, not bytes: feedparser would try to open bytes as a file name first.
    parsed = feedparser.parse(io.BytesIO(content))
    try:
        # feedparser names opensearch:totalResults "opensearch_totalresults", and so on.
        header = {
            name: int(parsed.feed.get(f"opensearch_{name.replace('_', '')}", "0").strip() or 0)
            for name in ("total_results", "start_index", "items_per_page")
        }
    except ValueError as exc:
        raise MetadataError(f"The arXiv API at {host} sent a page header that cannot be read: {exc}") from exc
    results = [result for entry in parsed.entries if (result := _result(entry, host=host)) is not None]
    return ArxivPage(**header, results=results)


def _result(entry, *, host: str) -> arxiv.Result | None:
    entry_id = entry.get("id", "")
    if not entry_id:
        logger.warning("Skipping an arXiv entry without <id>")
        return None
    when = {}
    for name in ("updated", "published"):
        if not entry.get(name):
            logger.warning("Skipping arXiv entry %s without <%s>", entry_id, name)
            return None
        parsed = entry.get(f"{name}_parsed")
        if parsed is None:
            raise MetadataError(
                f"The arXiv API at {host} sent an entry that cannot be read: "
                f"{entry_id} has the {name} date {entry[name]!r}"
            )
        when[name] = datetime.datetime.fromtimestamp(calendar.timegm(parsed), tz=datetime.timezone.utc)
    return arxiv.Result(
        entry_id=entry_id,
        updated=when["updated"],
        published=when["published"],
        title=re.sub(r"\s+", " ", entry.get("title", "")),
        authors=[arxiv.Result.Author(name=author.get("name", "")) for author in entry.get("authors", [])],
        summary=entry.get("summary", ""),
        comment=entry.get("arxiv_comment"),
        journal_ref=entry.get("arxiv_journal_ref"),
        doi=entry.get("arxiv_doi"),
        primary_category=(entry.get("arxiv_primary_category") or {}).get("term", ""),
        categories=[tag["term"] for tag in entry.get("tags", []) if tag.get("term")],
        links=[
            arxiv.Result.Link(
                href=link["href"], title=link.get("title"), rel=link.get("rel", ""), content_type=link.get("type")
            )
            for link in entry.get("links", [])
            if link.get("href")
        ],
    )


def _check_rejected(root, *, host: str) -> None:
    """Raise ArxivQueryRejected if the feed is arXiv's error answer, with arXiv's own words."""
    for entry in root.iter(f"{ATOM_NS}entry"):
        entry_id = (entry.findtext(f"{ATOM_NS}id") or "").strip()
        if entry_id.startswith(ARXIV_ERROR_ID_PREFIX):
            said = " ".join((entry.findtext(f"{ATOM_NS}summary") or entry_id).split())
            raise ArxivQueryRejected(f"The arXiv API at {host} rejected the query: {said}")


def _check_atom(content: bytes, *, host: str):
    """Raise MetadataError unless ``content`` is a well-formed Atom feed.

    feedparser recovers from broken XML and reads an HTML error page as
    "no results"; a strict parse tells those apart from a real empty day.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise MetadataError(
            f"The arXiv API at {host} sent a body that is not valid XML ({exc}); it starts: {_snippet(content)}"
        ) from exc
    if root is None or root.tag != ATOM_FEED_TAG:
        tag = getattr(root, "tag", None)
        raise MetadataError(
            f"The arXiv API at {host} sent XML that is not an Atom feed (root element {tag!r}); "
            f"it starts: {_snippet(content)}"
        )
    return root


def _snippet(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "(empty body)"


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text[:200]


def arxiv_client_build(*, api_url: str | None = None, sleep: Callable[[float], None] | None = None) -> ArxivClient:
    """Return a client configured from settings, optionally aimed at another API URL or with another sleep."""
    return ArxivClient(
        api_url=api_url or settings.ARXIV_API_URL,
        page_size=settings.ARXIV_PAGE_SIZE,
        num_retries=settings.ARXIV_NUM_RETRIES,
        backoff_seconds=settings.ARXIV_RETRY_BACKOFF_SECONDS,
        timeout_seconds=settings.ARXIV_TIMEOUT_SECONDS,
        pace_seconds=settings.ARXIV_API_DELAY_SECONDS,
        sleep=sleep,
    )


def arxiv_query_check(*, query: str) -> None:
    """Ask arXiv for one result of ``query``; raise MetadataError if arXiv cannot answer it."""
    client = arxiv_client_build()
    next(client.results(arxiv.Search(query=query, max_results=1)), None)
