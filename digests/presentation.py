"""Text shown around the summaries, shared by pages and feeds."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from papers.models import Language, Summary

from . import rendering

# Everything ``_summary.html`` may read: the memo key, and the only context it gets.
SUMMARY_BLOCK_FIELDS = (
    *Summary.SECTION_FIELDS,
    "is_edited",
    "language",
    # The footnote: who wrote the text, with which prompt, and when it last changed.
    "backend",
    "model_name",
    "prompt_version",
    "revision_kind",
    "revision_at",
)

# Language names in the reader's language (``Language``'s labels are each language's own name).
LANGUAGE_NAMES = {Language.EN: gettext_lazy("English"), Language.ZH_HANS: gettext_lazy("Simplified Chinese")}


def summary_language_label(summary: Summary) -> str:
    """Name the language a summary is written in, in the active language, and say when no model wrote it."""
    name = str(LANGUAGE_NAMES.get(summary.language, summary.language))
    if summary.backend == "extractive":
        return _("%(language)s · offline summary (no LLM configured)") % {"language": name}
    return name


def summary_banner(entries) -> list[dict]:
    """Return who wrote the summaries shown: one item per backend and model."""
    seen: dict[tuple[str, str], dict] = {}
    for entry in entries:
        summary = entry.summary
        if summary is not None and summary.backend:
            seen.setdefault(
                (summary.backend, summary.model_name),
                {
                    "backend": summary.backend,
                    "model_name": summary.model_name,
                    "extractive": summary.backend == "extractive",
                },
            )
    return list(seen.values())


def digest_description(*, topic, date, first_title: str) -> str:
    """Return the default description, in the topic's language, like the reference digest's."""
    first_title = " ".join(first_title.split())
    if topic.language == Language.ZH_HANS:
        text = f"{topic.name} 方向最新论文已更新，请持续关注 Update in {date.isoformat()}"
        return f"{text} {first_title}" if first_title else text
    text = f"Latest {topic.name} papers, updated {date.isoformat()}"
    return f"{text}: {first_title}" if first_title else text


def description_shown(digest, entries) -> str:
    """The editor's description, or the default one for the entries shown."""
    first_title = entries[0].paper.title if entries else ""
    return digest.description or digest_description(topic=digest.topic, date=digest.date, first_title=first_title)


def _frozen(value):
    # JSON lists become tuples so the memo can hash them.
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    return value


def summary_section(summary: Summary) -> SafeString:
    """Return a digest entry's summary section (one line, takeaways, analysis) as HTML.

    The section speaks the summary's own language, headings included, and
    says so (``lang``): an English offline summary on a Chinese page is an
    English block. It is a pure function of the summary's text and language,
    so it is memoised per process on exactly those: an edited
    summary is new text and misses the memo by itself, with no invalidation.
    Rendering it (Markdown, MathML, a dozen headings) for fifty entries is
    most of a digest page's cost.
    """
    fields = tuple((name, _frozen(getattr(summary, name))) for name in SUMMARY_BLOCK_FIELDS)
    return _summary_section(summary.language, fields)


@lru_cache(maxsize=2048)
def _summary_section(language: str | None, fields: tuple) -> SafeString:
    with translation.override(language):
        html = render_to_string("digests/_summary.html", {"summary": dict(fields)})
    # Safe: a Django template with autoescape and the nh3-sanitising filters.
    return mark_safe(html)  # noqa: S308


def clear_memo() -> None:
    """Forget memoised summary sections (benchmarks measure a cold render with it)."""
    _summary_section.cache_clear()


@receiver(file_changed)
def _forget_sections_on_template_change(sender, file_path: Path, **kwargs) -> None:
    # runserver reloads templates without restarting; the memo must follow.
    if Path(file_path).suffix == ".html":
        clear_memo()


def figure_thumbs(figures, *, in_feed: bool = False, base_url: str = "") -> SafeString:
    """Return the thumbnail links of an entry's figures (those with an image).

    Built in Python rather than a template loop: a digest shows some two
    hundred figures, and there the template engine cost more than the rest
    of the page. Every value is escaped; captions pass through nh3.
    """
    default_alt = _("Figure")
    parts = []
    for figure in figures:
        image, thumbnail = figure.image, figure.thumbnail
        if not image:
            continue
        href = image.url
        if thumbnail:
            src, width, height = thumbnail.url, figure.thumb_width, figure.thumb_height
        else:
            src, width, height = href, figure.width, figure.height
        size = f'width="{_dimension(width)}" height="{_dimension(height)}"'
        if in_feed:
            parts.append(
                f'<a href="{escape(base_url + href)}"><img src="{escape(base_url + src)}" {size}'
                f' alt="{escape(figure.label)}"></a> '
            )
            continue
        caption = ""
        if figure.label or figure.caption:
            label = f"<strong>{escape(figure.label)}</strong> " if figure.label else ""
            caption = f"\n        <figcaption>{label}{rendering.render_text_inline(figure.caption or '')}</figcaption>"
        parts.append(
            f'\n      <li><figure>\n        <a href="{escape(href)}"><img src="{escape(src)}" {size}'
            f' alt="{escape(figure.label or default_alt)}" loading="lazy" decoding="async"></a>{caption}'
            "\n      </figure></li>"
        )
    # Safe: every value above is escaped or nh3-sanitised.
    return mark_safe("".join(parts))  # noqa: S308


def _dimension(value) -> str:
    # The template printed "None" for a missing size; an empty attribute is at least valid HTML.
    return "" if value is None else str(int(value))
