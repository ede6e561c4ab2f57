"""Text shown around the summaries, shared by pages and feeds."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
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


# How many of the day's commonest subjects the intro names: enough to tell days apart, short enough for one line.
INTRO_SUBJECTS = 3


def digest_subjects(entries, *, limit: int = INTRO_SUBJECTS) -> list[str]:
    """What the day is about: summary keywords that two or more papers share, commonest first.

    A keyword counts once per paper and its plural with its singular ("diffusion
    models" is "diffusion model"), so one paper repeating itself does not set the
    day's subject; with no shared keyword, the papers' commonest primary categories.
    """
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for entry in entries:
        summary = getattr(entry, "summary", None)
        words = {_keyword_key(w): " ".join(str(w).split()) for w in (summary.keywords if summary else [])}
        for key, word in words.items():
            if key:
                counts[key] = counts.get(key, 0) + 1
                shown.setdefault(key, word)
    counts = {key: n for key, n in counts.items() if n >= 2 or len(entries) == 1}
    if not counts:
        for entry in entries:
            category = entry.paper.primary_category
            if category:
                counts[category] = counts.get(category, 0) + 1
                shown.setdefault(category, category)
    order = {key: n for n, key in enumerate(shown)}
    ranked = sorted(counts, key=lambda key: (-counts[key], order[key]))
    return [shown[key] for key in ranked[:limit]]


def _keyword_key(word) -> str:
    key = " ".join(str(word).split()).casefold()
    return key[:-1] if key.endswith("s") and not key.endswith("ss") else key


def _join(words: list[str], *, language: str) -> str:
    if language == Language.ZH_HANS:
        return words[0] if len(words) == 1 else "、".join(words[:-1]) + "和" + words[-1]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def digest_intro(*, topic, date, entries) -> str:
    """Return the intro written from the entries shown: how many papers and what they are about.

    Written in the topic's language from the shown entries alone, so it stays
    true when an editor reorders or hides entries.
    """
    count = len(entries)
    subjects = digest_subjects(entries)
    day = date.isoformat()
    if topic.language == Language.ZH_HANS:
        if not count:
            return f"{topic.name} · {day}：本期没有论文。"
        text = f"{topic.name} · {day}：本期共 {count} 篇论文"
        return f"{text}，主要涉及{_join(subjects, language=topic.language)}。" if subjects else f"{text}。"
    if not count:
        return f"No {topic.name} papers on {day}."
    papers = "paper" if count == 1 else "papers"
    text = f"{count} {topic.name} {papers} on {day}"
    return f"{text}, on {_join(subjects, language=topic.language)}." if subjects else f"{text}."


def description_shown(digest, entries) -> str:
    """The editor's description, or the intro written from the entries shown."""
    if digest.description.strip():
        return digest.description
    return digest_intro(topic=digest.topic, date=digest.date, entries=entries)


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


def _figure_img(figure, *, alt: str, lazy: bool = True, base_url: str = "") -> str:
    """An ``<img>`` of a figure: the thumbnail at 1x and the web image at 2x, so 2x screens get sharp pixels."""
    image, thumbnail = figure.image, figure.thumbnail
    if thumbnail:
        src, width, height = thumbnail.url, figure.thumb_width, figure.thumb_height
        srcset = f' srcset="{escape(base_url + src)} 1x, {escape(base_url + image.url)} 2x"'
    else:
        src, width, height = image.url, figure.width, figure.height
        srcset = ""
    loading = ' loading="lazy" decoding="async"' if lazy else ""
    return (
        f'<img src="{escape(base_url + src)}"{srcset} width="{_dimension(width)}" height="{_dimension(height)}"'
        f' alt="{escape(alt)}"{loading}>'
    )


def figure_caption(figure) -> str:
    """A figure's label in bold and its full caption without the label repeated, as inline HTML."""
    if not (figure.label or figure.caption):
        return ""
    label = f"<strong>{escape(figure.label)}</strong> " if figure.label else ""
    return f"{label}{rendering.render_text_inline(figure.caption_after_label)}"


def figure_url(paper, number: int) -> str:
    """The figure's own page: the ``number``-th (1-based) shown figure with an image."""
    return reverse("digests:figure", kwargs={"arxiv_id": paper.arxiv_id, "number": number})


def figure_lead(figures, *, paper) -> SafeString:
    """Return the compact entry's small image: the first figure, linking to its page (empty without one)."""
    figure = next((figure for figure in figures if figure.image), None)
    if figure is None:
        return mark_safe("")
    img = _figure_img(figure, alt=figure.label or _("Figure"))
    # Safe: every value is escaped.
    return mark_safe(f'<a class="lead-figure" href="{escape(figure_url(paper, 1))}">{img}</a>')  # noqa: S308


def figure_thumbs(figures, *, paper=None, in_feed: bool = False, base_url: str = "") -> SafeString:
    """Return the thumbnail links of an entry's figures (those with an image).

    On a page each links to the figure's own page and shows its full
    caption; in a feed each links to the image itself. Built in Python rather
    than a template loop: a digest shows some two hundred figures, and there
    the template engine cost more than the rest of the page. Every value is
    escaped; captions pass through nh3.
    """
    default_alt = _("Figure")
    parts = []
    number = 0
    for figure in figures:
        if not figure.image:
            continue
        number += 1
        if in_feed:
            img = _figure_img(figure, alt=figure.label, lazy=False, base_url=base_url)
            parts.append(f'<a href="{escape(base_url + figure.image.url)}">{img}</a> ')
            continue
        caption = figure_caption(figure)
        caption = f"\n        <figcaption>{caption}</figcaption>" if caption else ""
        href = figure_url(paper, number) if paper is not None else figure.image.url
        parts.append(
            f'\n      <li><figure>\n        <a href="{escape(href)}">{_figure_img(figure, alt=figure.label or default_alt)}</a>'
            f"{caption}\n      </figure></li>"
        )
    # Safe: every value above is escaped or nh3-sanitised.
    return mark_safe("".join(parts))  # noqa: S308


def _dimension(value) -> str:
    # The template printed "None" for a missing size; an empty attribute is at least valid HTML.
    return "" if value is None else str(int(value))
