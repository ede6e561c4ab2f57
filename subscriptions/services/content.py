"""What a digest mail and a chat push say: the compact list, with absolute links."""

from __future__ import annotations

from dataclasses import dataclass

from digests.models import Digest
from digests.selectors import digest_entries
from digests.services.hexo_export import figure_public_url

from ..links import absolute

MAX_AUTHORS = 5


@dataclass(frozen=True)
class Item:
    title: str
    authors: str
    one_line: str
    page_url: str
    abs_url: str
    pdf_url: str
    figure_url: str


@dataclass(frozen=True)
class DigestContent:
    subject: str
    digest_url: str
    language: str
    items: list[Item]


def authors_short(authors: list[str]) -> str:
    if len(authors) <= MAX_AUTHORS:
        return ", ".join(authors)
    return ", ".join(authors[:MAX_AUTHORS]) + " et al."


def digest_content(*, digest: Digest) -> DigestContent:
    items = []
    for entry in digest_entries(digest=digest):
        paper = entry.paper
        figures = list(paper.figures.all())  # shown ones, in the paper's order
        items.append(
            Item(
                title=paper.title,
                authors=authors_short(list(paper.authors or [])),
                one_line=entry.summary.one_line if entry.summary is not None else "",
                page_url=absolute(paper.get_absolute_url()),
                abs_url=paper.arxiv_abs_url,
                pdf_url=paper.arxiv_pdf_url,
                figure_url=figure_public_url(figures[0]) if figures else "",
            )
        )
    return DigestContent(
        subject=f"{digest.title or digest.topic.name} · {digest.date.isoformat()}",
        digest_url=absolute(digest.get_absolute_url()),
        language=digest.topic.language,
        items=items,
    )


def push_text(*, content: DigestContent, top: int) -> str:
    """The chat message: the link, then the top papers' one-liners."""
    lines = [content.digest_url, ""]
    for item in content.items[:top]:
        lines.append(f"• {item.title}: {item.one_line}" if item.one_line else f"• {item.title}")
    if len(content.items) > top:
        lines.append(f"… +{len(content.items) - top}")
    return "\n".join(lines)
