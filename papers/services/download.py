"""Download a paper's PDF from the link arXiv gave, checked and stored once per version."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files import File
from django.db import transaction
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


def paper_download(*, paper: Paper) -> PaperContent:
    """Store the PDF of the paper's current version and return its content row.

    Skips the download when the current version is already stored. Raises
    ``DownloadError`` with a readable message; a failed download changes nothing.
    """
    content = PaperContent.objects.filter(paper=paper).first()
    if content is not None and content.pdf and content.pdf_version >= paper.version:
        if content.pdf.storage.exists(content.pdf.name):
            return content

    url = paper_pdf_url(paper)
    with tempfile.TemporaryFile() as tmp:
        sha256, size = _fetch_pdf(url, tmp)
        tmp.seek(0)
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
    content.pdf_sha256 = sha256
    content.pdf_bytes = size
    content.downloaded_at = timezone.now()
    content.save()
    if old_name and old_name != content.pdf.name:
        storage = content.pdf.storage
        transaction.on_commit(lambda: storage.delete(old_name) if storage.exists(old_name) else None)
    logger.info("Downloaded %s (%d bytes) from %s", paper.versioned_id, size, url)
    return content


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
