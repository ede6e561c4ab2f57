"""Template filters: untrusted text rendered through digests.rendering, and summary section labels."""

from django import template
from django.utils.safestring import mark_safe

from digests import presentation, rendering
from papers.sections import SECTION_LABELS

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    # Safe: render_markdown's output has passed the nh3 allow-list.
    return mark_safe(rendering.render_markdown(text or ""))  # noqa: S308


@register.filter
def markdown_inline(text: str) -> str:
    return mark_safe(rendering.render_inline(text or ""))  # noqa: S308


@register.filter
def mathtext(text: str) -> str:
    return mark_safe(rendering.render_text(text or ""))  # noqa: S308


@register.filter
def mathtext_inline(text: str) -> str:
    return mark_safe(rendering.render_text_inline(text or ""))  # noqa: S308


@register.filter
def paper_content(paper):
    """Return what the PDF step read from ``paper``, or None before it ran.

    ``paper.content`` in a template would raise for a missing row and make the
    template engine search the model's attributes, once per entry.
    """
    return getattr(paper, "content", None)


@register.filter
def anchor(paper) -> str:
    """Return a stable HTML id for a paper (arXiv ids hold dots and slashes)."""
    return "paper-" + "".join(c if c.isalnum() else "-" for c in paper.arxiv_id)


@register.filter
def safe_url(url: str) -> str:
    """Return ``url`` if it is http(s), else an empty string (links read from PDFs)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


@register.filter
def section_label(name: str) -> str:
    """Return a summary section's label in the active language."""
    # Safe: our own strings and their translations, trusted as {% translate %} output is.
    return mark_safe(str(SECTION_LABELS[name]))  # noqa: S308


@register.filter
def summary_label(summary) -> str:
    """Name a summary's language (and an offline summary as such) in the active language."""
    return presentation.summary_language_label(summary)


@register.filter
def summary_section(summary) -> str:
    """Render a digest entry's summary section (memoised on its text)."""
    return presentation.summary_section(summary)


@register.simple_tag
def figure_thumbs(figures, in_feed=False, base_url="", paper=None):
    """Render an entry's figure thumbnails: list items linking to figure pages, plain image links in a feed."""
    return presentation.figure_thumbs(figures, paper=paper, in_feed=bool(in_feed), base_url=base_url or "")


@register.simple_tag
def figure_lead(figures, paper):
    """Render the compact entry's small first figure, linking to its page."""
    return presentation.figure_lead(figures, paper=paper)


@register.filter
def figure_caption(figure):
    """A figure's bold label and full caption, the label never repeated."""
    # Safe: presentation.figure_caption escapes the label and nh3-sanitises the caption.
    return mark_safe(presentation.figure_caption(figure))  # noqa: S308


@register.filter
def first_authors(authors, count=3):
    """The first ``count`` authors, or all of them when there are no more than that."""
    return list(authors or [])[: int(count)]
