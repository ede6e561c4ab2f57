"""Build arXiv API Atom answers and small PDFs for tests.

The XML mirrors what export.arxiv.org sends (namespaces, opensearch header,
links with title="pdf"), so the real ``arxiv`` parser reads it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

UTC = datetime.timezone.utc


@dataclass
class Entry:
    arxiv_id: str
    version: int = 1
    title: str = "A Study of Diffusion"
    abstract: str = (
        "Diffusion models have become the leading approach to image generation, but sampling them is slow. "
        "We propose a distillation method that reduces the number of sampling steps from fifty to four. "
        "Our method trains a student network to match the teacher's denoising trajectory. "
        "Experiments on ImageNet show that image quality is preserved while generation is twelve times faster."
    )
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace", "Alan Turing"])
    published: datetime.datetime = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    updated: datetime.datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    primary_category: str = "cs.CV"
    categories: list[str] = field(default_factory=lambda: ["cs.CV", "cs.LG"])
    base: str = "http://arxiv.org"
    pdf_link: bool = True

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    def xml(self) -> str:
        def ts(value: datetime.datetime) -> str:
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        parts = [
            "<entry>",
            f"<id>{self.base}/abs/{self.versioned_id}</id>",
            f"<updated>{ts(self.updated or self.published)}</updated>",
            f"<published>{ts(self.published)}</published>",
            f"<title>{escape(self.title)}</title>",
            f"<summary>{escape(self.abstract)}</summary>",
        ]
        parts += [f"<author><name>{escape(name)}</name></author>" for name in self.authors]
        if self.comment is not None:
            parts.append(f"<arxiv:comment>{escape(self.comment)}</arxiv:comment>")
        if self.journal_ref is not None:
            parts.append(f"<arxiv:journal_ref>{escape(self.journal_ref)}</arxiv:journal_ref>")
        if self.doi is not None:
            parts.append(f"<arxiv:doi>{escape(self.doi)}</arxiv:doi>")
        parts.append(f'<link href="{self.base}/abs/{self.versioned_id}" rel="alternate" type="text/html"/>')
        if self.pdf_link:
            parts.append(
                f'<link title="pdf" href="{self.base}/pdf/{self.versioned_id}" rel="related" type="application/pdf"/>'
            )
        parts.append(f'<arxiv:primary_category term="{self.primary_category}" scheme="http://arxiv.org/schemas/atom"/>')
        parts += [f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in self.categories]
        parts.append("</entry>")
        return "\n".join(parts)


def feed(entries: list[Entry], *, total: int | None = None, start: int = 0) -> bytes:
    """Return one page of an arXiv API answer."""
    total = len(entries) if total is None else total
    body = "\n".join(entry.xml() for entry in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>https://arxiv.org/api/test</id>
<title>arXiv Query: test</title>
<updated>2024-05-02T00:00:00Z</updated>
<link href="https://arxiv.org/api/query" type="application/atom+xml"/>
<opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
<opensearch:totalResults>{total}</opensearch:totalResults>
<opensearch:startIndex>{start}</opensearch:startIndex>
{body}
</feed>
""".encode()


def paged_handler(entries: list[Entry]):
    """A FakeServer handler that honours ``start``/``max_results`` like arXiv does."""
    from tests.servers import Reply

    def handle(request):
        start = int(request.arg("start", "0"))
        size = int(request.arg("max_results", "100"))
        return Reply.atom(feed(entries[start : start + size], total=len(entries), start=start))

    return handle


def make_pdf(title: str = "A Study of Diffusion", pages: int = 1) -> bytes:
    """Return a small real PDF."""
    import pymupdf

    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"{title} — page {number + 1}")
    data = doc.tobytes()
    doc.close()
    return data
