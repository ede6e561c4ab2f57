"""Template filters that render untrusted text through digests.rendering."""

from django import template
from django.utils.safestring import mark_safe

from digests import rendering

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
def anchor(paper) -> str:
    """Return a stable HTML id for a paper (arXiv ids hold dots and slashes)."""
    return "paper-" + "".join(c if c.isalnum() else "-" for c in paper.arxiv_id)


@register.filter
def safe_url(url: str) -> str:
    """Return ``url`` if it is http(s), else an empty string (links read from PDFs)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""
