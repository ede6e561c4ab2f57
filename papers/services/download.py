"""Download a paper's PDF from the link arXiv gave, checked and stored once per version."""

from __future__ import annotations

import collections
import hashlib
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files import File
from django.db import connections, transaction
from django.utils import timezone

from papers.models import Paper, PaperContent
from papers.services.arxiv_client import USER_AGENT
from papers.services.errors import DownloadError
from papers.services.ratelimit import ARXIV_PDF, rate_slot_acquire

logger = logging.getLogger("paperdigest.download")

PDF_MAGIC = b"%PDF-"
# The PDF header may follow a little junk; readers accept it within the first KiB.
MAGIC_WINDOW = 1024
CHUNK_SIZE = 64 * 1024


def paper_pdf_url(paper: Paper) -> str:
    return paper.pdf_url or paper.abs_url.replace("/abs/", "/pdf/", 1)


def paper_download(*, paper: Paper, fetched: FetchedPdf | None = None) -> PaperContent:
    """Store the PDF of the paper's current version and return its content row.

    Skips the download when the current version is already stored. ``fetched``
    is the PDF a ``PdfPrefetch`` already fetched for this paper (its failure is
    raised here, as if fetched now). Raises ``DownloadError`` with a readable
    message; a failed download changes nothing.
    """
    content = PaperContent.objects.filter(paper=paper).first()
    if paper_pdf_is_stored(paper, content) and content.pdf.storage.exists(content.pdf.name):
        if fetched is not None:
            fetched.close()
        return content

    if fetched is None:
        fetched = pdf_fetch(paper)
    with fetched:
        tmp = fetched.file()
        name = f"{paper.arxiv_id.replace('/', '_')}v{paper.version}.pdf"
        old_name = content.pdf.name if content is not None and content.pdf else ""
        if content is None:
            content = PaperContent(paper=paper)
        else:
            # Keep the name stable: a re-download of the same version replaces the file.
            old_path = _storage_path(content, name)
            if content.pdf.storage.exists(old_path):
                content.pdf.storage.delete(old_path)
        content.pdf.save(name, File(tmp, name=name), save=False)

    content.pdf_version = paper.version
    content.pdf_sha256 = fetched.sha256
    content.pdf_bytes = fetched.size
    content.downloaded_at = timezone.now()
    content.save()
    if old_name and old_name != content.pdf.name:
        storage = content.pdf.storage
        transaction.on_commit(lambda: storage.delete(old_name) if storage.exists(old_name) else None)
    logger.info("Downloaded %s (%d bytes) from %s", paper.versioned_id, fetched.size, fetched.url)
    return content


def paper_pdf_is_stored(paper: Paper, content: PaperContent | None) -> bool:
    """Whether ``content`` (the paper's row, if any) holds the PDF of the paper's current version."""
    return content is not None and bool(content.pdf) and content.pdf_version >= paper.version


@dataclass
class FetchedPdf:
    """A PDF fetched into a temporary file, or the ``DownloadError`` fetching it raised."""

    url: str
    tmp: IO[bytes] | None = None
    sha256: str = ""
    size: int = 0
    error: DownloadError | None = None

    def file(self) -> IO[bytes]:
        """The fetched file, read from its start; raises the fetch's error if it failed."""
        if self.error is not None:
            raise self.error
        self.tmp.seek(0)
        return self.tmp

    def close(self) -> None:
        if self.tmp is not None:
            self.tmp.close()

    def __enter__(self) -> FetchedPdf:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pdf_fetch(paper: Paper) -> FetchedPdf:
    """Fetch the paper's PDF at the shared pace into a temporary file; a failure is kept, not raised."""
    url = paper_pdf_url(paper)
    tmp = tempfile.TemporaryFile()
    try:
        sha256, size = _fetch_pdf(url, tmp)
    except DownloadError as exc:
        tmp.close()
        return FetchedPdf(url=url, error=exc)
    except BaseException:
        tmp.close()
        raise
    return FetchedPdf(url=url, tmp=tmp, sha256=sha256, size=size)


class PdfPrefetch:
    """Fetch the PDFs of ``papers`` in their order in one thread, up to ``ahead`` before they are taken.

    The PDF pace is shared by every worker, so a worker that fetched only
    between parses would leave its slots unused while it parses (or records
    answers, or rebuilds a digest); with the next PDF fetched meanwhile, the
    pace stays busy. Only the network and the pacing row are touched in the
    thread: storing the file and its row stays with the caller, in
    ``paper_download(fetched=...)``. A paper is taken once, in order, and
    ``extend`` adds papers at the end; papers passed over are dropped with
    their files. ``go_on`` is asked before each paper after the first: the
    caller's own rule for starting one, so a task out of time does not fetch
    what its successor will. Use it as a context manager: leaving it stops the
    thread and drops the rest.
    """

    def __init__(
        self,
        papers: list[Paper],
        *,
        ahead: int = 1,
        go_on: Callable[[], bool] = lambda: True,
        fetch: Callable[[Paper], FetchedPdf] = pdf_fetch,
    ):
        self._go_on = go_on
        self._fetch = fetch
        self._order: list[int] = []  # ids still to be taken, in order
        self._pending: collections.deque[Paper] = collections.deque()  # still to be fetched
        self._ready: queue.Queue[tuple[int | None, FetchedPdf]] = queue.Queue(maxsize=max(1, ahead))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = False
        self._fetches = 0
        self._failure: BaseException | None = None
        self._queued = list(papers)

    def __enter__(self) -> PdfPrefetch:
        self._started = True
        self.extend(self._queued)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            while thread.is_alive():
                self._drop_ready()
                thread.join(timeout=0.1)
        self._drop_ready()

    def extend(self, papers: list[Paper]) -> None:
        """Fetch these papers too, after those already given."""
        with self._lock:
            self._order += [paper.pk for paper in papers]
            self._pending.extend(papers)
            if self._pending and self._thread is None and self._started and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="pdf-prefetch", daemon=True)
                self._thread.start()

    def take(self, paper: Paper) -> FetchedPdf | None:
        """The fetched PDF of ``paper`` (waiting for it), or None if the caller must fetch it itself."""
        with self._lock:
            if paper.pk not in self._order:
                return None
            del self._order[: self._order.index(paper.pk) + 1]
        while True:
            try:
                paper_id, fetched = self._ready.get(timeout=0.1)
            except queue.Empty:
                with self._lock:
                    running = self._thread is not None
                if running or not self._ready.empty():
                    continue
                if self._failure is not None:
                    raise self._failure from None
                # It stopped before this paper (its time was up first): the caller fetches it itself.
                return None
            if paper_id == paper.pk:
                return fetched
            if self._failure is not None:
                raise self._failure
            fetched.close()  # passed over by the caller

    def _next(self) -> Paper | None:
        with self._lock:
            # Like the caller, past its time it starts no new paper (the first always starts).
            if self._pending and not self._stop.is_set() and (not self._fetches or self._go_on()):
                self._fetches += 1
                return self._pending.popleft()
            self._thread = None  # under the lock: an ``extend`` from now on starts a new thread
            return None

    def _run(self) -> None:
        try:
            while (paper := self._next()) is not None:
                self._hand(paper.pk, self._fetch(paper))
        except BaseException as exc:
            # Not the paper's fault (the pacing row's database is gone): the caller raises it at its next take.
            self._failure = exc
            with self._lock:
                self._thread = None
            self._hand(None, FetchedPdf(url=""))
        finally:
            connections.close_all()  # the pacing row's connection belongs to this thread

    def _hand(self, paper_id: int | None, fetched: FetchedPdf) -> None:
        while not self._stop.is_set():
            try:
                self._ready.put((paper_id, fetched), timeout=0.1)
                return
            except queue.Full:
                continue
        fetched.close()

    def _drop_ready(self) -> None:
        while True:
            try:
                _, fetched = self._ready.get_nowait()
            except queue.Empty:
                return
            fetched.close()


def _storage_path(content: PaperContent, name: str) -> str:
    return content.pdf.field.generate_filename(content, name)


def _fetch_pdf(url: str, out) -> tuple[str, int]:
    """Stream ``url`` into ``out``; return (sha256, byte count) or raise DownloadError."""
    host = urlsplit(url).netloc or url
    limit = settings.PDF_MAX_BYTES
    timeout = settings.PDF_TIMEOUT_SECONDS
    rate_slot_acquire(key=ARXIV_PDF, interval=settings.ARXIV_PDF_DELAY_SECONDS)
    # requests' timeout bounds each read; the deadline bounds a server that drips.
    deadline = time.monotonic() + 3 * timeout
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with requests.get(url, stream=True, timeout=timeout, headers={"user-agent": USER_AGENT}) as resp:
            if resp.status_code != 200:
                raise DownloadError(f"The PDF link answered HTTP {resp.status_code} ({resp.reason}): {url}")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise DownloadError(_too_big(url, limit, f"the server announced {_mb(int(declared))}"))
            for chunk in resp.iter_content(CHUNK_SIZE):
                size += len(chunk)
                if size > limit:
                    raise DownloadError(_too_big(url, limit, "the download was stopped there"))
                if len(head) < MAGIC_WINDOW:
                    head += chunk[: MAGIC_WINDOW - len(head)]
                digest.update(chunk)
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise DownloadError(f"The PDF download from {host} took longer than {3 * timeout:g} s: {url}")
            content_type = resp.headers.get("Content-Type", "")
    except requests.Timeout as exc:
        raise DownloadError(f"The PDF server at {host} did not answer within {timeout:g} s: {url}") from exc
    except requests.ConnectionError as exc:
        raise DownloadError(f"Cannot connect to the PDF server at {host}: {url}") from exc
    except requests.RequestException as exc:
        raise DownloadError(f"The PDF download from {host} failed ({type(exc).__name__}: {exc}): {url}") from exc

    if size == 0:
        raise DownloadError(f"The PDF link returned an empty file: {url}")
    if PDF_MAGIC not in head:
        if b"<html" in head.lower() or b"<!doctype html" in head.lower() or "html" in content_type:
            raise DownloadError(
                f"The PDF link returned a web page ({content_type or 'no content type'}), not a PDF; "
                f"arXiv may be throttling downloads or the paper may be withdrawn: {url}"
            )
        raise DownloadError(
            f"The PDF link returned a file that is not a PDF ({content_type or 'no content type'}): {url}"
        )
    return digest.hexdigest(), size


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / (1024 * 1024):.1f} MB"


def _too_big(url: str, limit: int, detail: str) -> str:
    return f"The PDF is larger than the {_mb(limit)} limit (PDF_MAX_BYTES); {detail}: {url}"
