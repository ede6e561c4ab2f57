"""The ``arxiv`` package's client, made fit for a scheduled job.

``arxiv.Client`` paces per instance, retries without a pause and turns a
malformed answer into an empty result. This subclass paces through the shared
``arxiv-api`` rate slot, backs off exponentially on 429/5xx, connection errors
and pages that are empty when they should not be, and raises ``MetadataError``
with a sentence an editor can act on.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import arxiv
import requests
from arxiv import _feed
from django.conf import settings
from lxml import etree

from papers.services.errors import MetadataError
from papers.services.ratelimit import ARXIV_API, rate_slot_acquire

logger = logging.getLogger("paperdigest.arxiv_client")

ATOM_NS = "{http://www.w3.org/2005/Atom}"
ATOM_FEED_TAG = f"{ATOM_NS}feed"
# arXiv answers a query it cannot read with HTTP 200 and one entry under this id.
ARXIV_ERROR_ID_PREFIX = "http://arxiv.org/api/errors"
USER_AGENT = f"paperdigest (arxiv.py/{arxiv.__version__})"
# Retry-After from arXiv is honoured, within reason.
MAX_RETRY_AFTER_SECONDS = 120.0


class _Retryable(Exception):
    """A failure worth another try after a pause."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ArxivQueryRejected(MetadataError):
    """arXiv refused the query itself; asking again gets the same answer."""


class ArxivClient(arxiv.Client):
    def __init__(
        self,
        *,
        api_url: str,
        page_size: int,
        num_retries: int,
        backoff_seconds: float,
        timeout_seconds: float,
        pace_seconds: float,
    ):
        # delay_seconds=0: the shared rate slot paces requests, not this instance.
        super().__init__(page_size=page_size, delay_seconds=0, num_retries=num_retries)
        self.api_url = api_url
        self.query_url_format = api_url + "?{}"
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.pace_seconds = pace_seconds

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> _feed.ParsedFeed:
        tries = self.num_retries + 1
        for attempt in range(tries):
            try:
                return self._fetch_page(url, first_page=first_page)
            except _Retryable as err:
                if attempt + 1 >= tries:
                    raise MetadataError(f"{err} (gave up after {tries} tries; query URL: {url})") from err
                pause = self.backoff_seconds * (2**attempt)
                if err.retry_after is not None:
                    pause = max(pause, min(err.retry_after, MAX_RETRY_AFTER_SECONDS))
                logger.warning("arXiv API try %d/%d failed: %s; retrying in %.1fs", attempt + 1, tries, err, pause)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _fetch_page(self, url: str, *, first_page: bool) -> _feed.ParsedFeed:
        host = urlsplit(url).netloc
        rate_slot_acquire(key=ARXIV_API, interval=self.pace_seconds)
        logger.info("Requesting %s", url)
        try:
            resp = self._session.get(url, headers={"user-agent": USER_AGENT}, timeout=self.timeout_seconds)
        except requests.Timeout as exc:
            raise _Retryable(f"The arXiv API at {host} did not answer within {self.timeout_seconds:g} s") from exc
        except requests.ConnectionError as exc:
            raise _Retryable(f"Cannot connect to the arXiv API at {host} ({_reason(exc)})") from exc

        status = resp.status_code
        if status == 429 or status >= 500:
            raise _Retryable(
                f"The arXiv API at {host} answered HTTP {status} ({resp.reason})",
                retry_after=_retry_after(resp),
            )
        if status != 200:
            raise MetadataError(
                f"The arXiv API at {host} answered HTTP {status} ({resp.reason}): {_snippet(resp.content)}"
            )

        root = _check_atom(resp.content, host=host)
        _check_rejected(root, host=host)
        try:
            feed = _feed.parse(resp.content)
        except ValueError as exc:  # e.g. an unreadable timestamp in an entry
            raise MetadataError(f"The arXiv API at {host} sent an entry that cannot be read: {exc}") from exc
        if not feed.results and (not first_page or feed.header.total_results > 0):
            # arXiv sporadically sends an empty page in the middle of a result set.
            raise _Retryable(
                f"The arXiv API at {host} sent an empty page although it reported {feed.header.total_results} results"
            )
        return feed


def _check_rejected(root, *, host: str) -> None:
    """Raise ArxivQueryRejected if the feed is arXiv's error answer, with arXiv's own words."""
    for entry in root.iter(f"{ATOM_NS}entry"):
        entry_id = (entry.findtext(f"{ATOM_NS}id") or "").strip()
        if entry_id.startswith(ARXIV_ERROR_ID_PREFIX):
            said = " ".join((entry.findtext(f"{ATOM_NS}summary") or entry_id).split())
            raise ArxivQueryRejected(f"The arXiv API at {host} rejected the query: {said}")


def _check_atom(content: bytes, *, host: str):
    """Raise MetadataError unless ``content`` is a well-formed Atom feed.

    arxiv's own parser recovers from broken XML and reads an HTML error page
    as "no results"; a strict parse tells those apart from a real empty day.
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


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text[:200]


def arxiv_client_build(*, api_url: str | None = None) -> ArxivClient:
    """Return a client configured from settings, optionally aimed at another API URL."""
    return ArxivClient(
        api_url=api_url or settings.ARXIV_API_URL,
        page_size=settings.ARXIV_PAGE_SIZE,
        num_retries=settings.ARXIV_NUM_RETRIES,
        backoff_seconds=settings.ARXIV_RETRY_BACKOFF_SECONDS,
        timeout_seconds=settings.ARXIV_TIMEOUT_SECONDS,
        pace_seconds=settings.ARXIV_API_DELAY_SECONDS,
    )


def arxiv_query_check(*, query: str) -> None:
    """Ask arXiv for one result of ``query``; raise MetadataError if arXiv cannot answer it."""
    client = arxiv_client_build()
    client.page_size = 1
    next(client.results(arxiv.Search(query=query, max_results=1)), None)
