"""Build whole digests for page, feed and browser tests: real rows, real image files."""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from digests.models import Digest
from papers.models import Figure, Summary, Topic
from tests.factories import (
    DigestEntryFactory,
    DigestFactory,
    FigureFactory,
    PaperFactory,
    SummaryFactory,
    TopicFactory,
)

HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<a href="javascript:window.__xss=1">click</a>',
    "[md link](javascript:window.__xss=1)",
    '<svg onload="window.__xss=1"><script>window.__xss=1</script></svg>',
    '<svg><animate onbegin="window.__xss=1" attributeName="x" dur="1s"/></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<div style="background:url(javascript:window.__xss=1)">unclosed <b><i>',
    "$\\text{<img src=x onerror=window.__xss=1>}$",
    "unterminated $x^2 + <img src=x onerror=window.__xss=1>",
    "$$\\frac{1}{<script>window.__xss=1</script>",
]


def png(width: int, height: int, color: str = "#3060c0") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


def add_figure(paper, *, hidden: bool = False, label: str = "Figure 1", caption: str = "The method.") -> Figure:
    figure = FigureFactory(paper=paper, hidden=hidden, label=label, caption=caption)
    figure.image.save("figure.png", png(640, 400), save=False)
    figure.thumbnail.save("thumb.png", png(320, 200), save=False)
    figure.save()
    return figure


def full_summary(paper, *, language: str = "en", **overrides) -> Summary:
    fields = {
        "one_line": f"A one-line summary of {paper.arxiv_id} with $x^2$.",
        "key_takeaways": ["First **point** with $\\alpha$.", "Second point."],
        "translated_title": "",
        "keywords": ["diffusion", "denoising"],
        "background": "Diffusion models are popular.",
        "prior_work": "Earlier methods were slow.",
        "method": "We use $$\\sum_{i=1}^{n} x_i$$ to denoise.",
        "results": "Better FID on ImageNet.",
        "method_steps": ["Encode.", "Denoise.", "Decode."],
        "significance": "It matters.",
        "innovation": "A new sampler.",
        "performance": "FID 2.1.",
        "workload": "Eight GPUs for a week.",
        "backend": "extractive",
    }
    fields.update(overrides)
    return SummaryFactory(paper=paper, language=language, **fields)


def make_digest(
    *,
    papers: int = 5,
    topic: Topic | None = None,
    language: str = "en",
    date: datetime.date = datetime.date(2024, 5, 2),
    published: bool = True,
    figures: int = 1,
    **summary_overrides,
) -> Digest:
    """Return a digest of ``papers`` papers, each with a full summary and figures."""
    topic = topic or TopicFactory(language=language)
    status = {"status": "published", "published_at": timezone.now() - datetime.timedelta(hours=1)} if published else {}
    digest = DigestFactory(topic=topic, date=date, **status)
    for position in range(papers):
        paper = PaperFactory(comment="12 pages, 5 figures")
        full_summary(paper, language=topic.language, **summary_overrides)
        for number in range(figures):
            add_figure(paper, label=f"Figure {number + 1}")
        DigestEntryFactory(digest=digest, paper=paper, position=position)
    return digest
