"""Write published digests as Hexo Markdown posts shaped like the reference digest.

Same front matter keys and section order as the posts we import, so a static
blog can keep being fed from the site (and ``import_hexo`` reads them back).
Facts (title, authors, abstract, links, comment, affiliation, code links) come
from the paper's metadata and PDF facts, never from summary text; the prose is
the current summary, editor fixes included; hidden entries and figures are
left out. Everything from abstracts, models or editors is HTML-escaped.
"""

from __future__ import annotations

import datetime
import html
import os
import tempfile
from pathlib import Path

import yaml
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags

from digests.models import Digest, DigestEntry
from digests.presentation import description_shown
from digests.selectors import digest_not_processed, summaries_prefetch, summary_in_language
from papers.models import Figure, Language, Paper, Summary, Topic

EXPORT_AUTHOR = "paperdigest"

LABELS = {
    Language.ZH_HANS: {
        "banner_models": "以下所有内容总结都来自于 {models} 的能力（{backends}），如有错误，仅供参考，谨慎使用",
        "banner_edited": "其中 {count} 篇的总结经编辑人工修订",
        "banner_extractive": "抽取式摘要（未使用大语言模型）",
        "banner_warning": "🔴 请注意：千万不要用于严肃的学术场景，只能用于论文阅读前的初筛！",
        "day": "# {date} 更新",
        "title": "论文标题",
        "authors": "作者",
        "affiliation": "第一作者单位",
        "keywords": "关键词",
        "urls": "论文链接",
        "code": "Github 链接",
        "no_code": "无",
        "summary": "摘要",
        "parts": ("研究背景", "过往方法与问题", "本文方法", "实验结果"),
        "methods": "方法",
        "conclusion": "结论",
        "innovation": "创新点",
        "performance": "性能",
        "workload": "工作量",
        "figures": "点此查看论文截图",
        "item": "（{n}）：",
    },
    Language.EN: {
        "banner_models": "All summaries below were written by {models} ({backends}); they may contain errors, use with care",
        "banner_edited": "{count} of them corrected by an editor",
        "banner_extractive": "extractive summaries (no language model)",
        "banner_warning": "🔴 Not for serious academic use: a first filter before reading the papers.",
        "day": "# {date} Update",
        "title": "Title",
        "authors": "Authors",
        "affiliation": "Affiliation",
        "keywords": "Keywords",
        "urls": "Urls",
        "code": "Github",
        "no_code": "None",
        "summary": "Summary",
        "parts": ("Background", "Prior work", "Method", "Results"),
        "methods": "Methods",
        "conclusion": "Conclusion",
        "innovation": "Innovation",
        "performance": "Performance",
        "workload": "Workload",
        "figures": "Figures from the paper",
        "item": "({n}): ",
    },
}
COLON = {Language.ZH_HANS: "：", Language.EN: ": "}


def _esc(text: str) -> str:
    return html.escape(str(text or ""), quote=False)


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())


def _yaml_scalar(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def figure_public_url(figure: Figure) -> str:
    """Return an absolute URL for a figure: the stored image on this site, else its source."""
    if figure.image:
        url = figure.image.url
        if url.startswith(("http://", "https://")):
            return url
        return f"{settings.SITE_URL}/{url.lstrip('/')}"
    return figure.source_url


def _entries(digest: Digest) -> QuerySet[DigestEntry]:
    return (
        digest.entries.shown()
        .select_related("paper", "paper__content")
        .prefetch_related(
            Prefetch(
                "paper__figures",
                queryset=Figure.objects.shown(),
                to_attr="visible_figures",
            ),
            summaries_prefetch(to_attr="all_summaries"),
        )
        .order_by("position", "id")
    )


def _summary_for(paper: Paper, language: str) -> Summary | None:
    summaries = paper.all_summaries
    return summary_in_language(summaries, language)


def _content(paper: Paper):
    return getattr(paper, "content", None)


def _banner(summaries: list[Summary], labels: dict, link: str) -> list[str]:
    models: list[str] = []
    backends: list[str] = []
    for summary in summaries:
        name = summary.model_name or (labels["banner_extractive"] if summary.backend == "extractive" else "")
        name = name or summary.backend
        if name and name not in models:
            models.append(name)
        if summary.backend and summary.backend not in backends:
            backends.append(summary.backend)
    text = labels["banner_models"].format(
        models="、".join(f"[{_esc(name)}]({link})" for name in models) or "—",
        backends=", ".join(_esc(b) for b in backends) or "—",
    )
    edited = sum(1 for s in summaries if s.is_edited)
    if edited:
        text += "；" if labels is LABELS[Language.ZH_HANS] else "; "
        text += labels["banner_edited"].format(count=edited)
    return [f">⚠️ {text}", f">{labels['banner_warning']}"]


def _html_text(text: str) -> str:
    # Markdown is not read inside HTML blocks: keep the model's line breaks visible.
    return "<br>\n".join(_esc(line) for line in str(text or "").splitlines())


def _paragraph(label: str, text: str, colon: str) -> str:
    if "\n" in str(text):
        return f"<p>{label}{colon.strip()}<br>\n{_html_text(text)}</p>"
    return f"<p>{label}{colon}{_esc(text)}</p>"


def _paper_block(paper: Paper, summary: Summary | None, labels: dict, colon: str) -> list[str]:
    lines = [
        f"## {_esc(_one_line(paper.title))}",
        "",
        f"**Authors:{_esc(', '.join(paper.authors))}**",
        "",
        _esc(_one_line(paper.abstract)),
        "",
        f"[PDF]({paper.arxiv_abs_url}) {_esc(_one_line(paper.comment))}".rstrip(),
        "",
    ]
    if summary is not None:
        lines += ["**Summary**", _esc(summary.one_line), "", "**Key Takeaways**"]
        lines += [f"- {_esc(_one_line(item))}" for item in summary.key_takeaways]
        lines += ["", f"**[paperdigest]({settings.SITE_URL}{paper.get_absolute_url()})**", "", "<ol>"]
        content = _content(paper)
        items = [_paragraph(labels["title"], summary.translated_title, colon) if summary.translated_title else None]
        items.append(_paragraph(labels["authors"], ", ".join(paper.authors), colon))
        if content is not None and content.affiliation:
            items.append(_paragraph(labels["affiliation"], _one_line(content.affiliation), colon))
        if summary.keywords:
            items.append(_paragraph(labels["keywords"], ", ".join(summary.keywords), colon))
        links = content.own_links if content is not None else []
        code = ", ".join(link["url"] for link in links) or labels["no_code"]
        items.append(f"<p>{labels['urls']}{colon}{_esc(paper.arxiv_abs_url)}, {labels['code']}{colon}{_esc(code)}</p>")
        parts = [
            _paragraph(labels["item"].format(n=n) + part, text, colon)
            for n, (part, text) in enumerate(
                zip(labels["parts"], (summary.background, summary.prior_work, summary.method, summary.results)),
                start=1,
            )
            if text
        ]
        if parts:
            items.append("\n".join([f"<p>{labels['summary']}{colon.strip()}</p>", *parts]))
        if summary.method_steps:
            steps = [
                f"<p>{labels['item'].format(n=n)}{_html_text(step)}</p>"
                for n, step in enumerate(summary.method_steps, 1)
            ]
            items.append("\n".join([f"<p>{labels['methods']}{colon.strip()}</p>", *steps]))
        conclusion = []
        if summary.significance:
            conclusion.append(f"<p>{labels['item'].format(n=1)}{_html_text(summary.significance)}</p>")
        judged = [
            _paragraph(labels[name], getattr(summary, name), colon)
            for name in ("innovation", "performance", "workload")
            if getattr(summary, name)
        ]
        if judged:
            judged[0] = judged[0].replace("<p>", f"<p>{labels['item'].format(n=2)}", 1)
            conclusion += judged
        if conclusion:
            items.append("\n".join([f"<p>{labels['conclusion']}{colon.strip()}</p>", *conclusion]))
        for item in items:
            if item:
                lines += ["<li>", item, "</li>"]
        lines += ["</ol>", ""]
    figures = [url for url in (figure_public_url(f) for f in paper.visible_figures) if url]
    if figures:
        lines += ["", "<details>", f"  <summary>{labels['figures']}</summary>"]
        lines += [f'<img src="{html.escape(url, quote=True)}" align="middle">' for url in figures]
        lines += ["</details>"]
    lines += ["", "", ""]
    return lines


def hexo_filename(*, digest: Digest) -> str:
    return f"digest-{digest.date.isoformat()}-{digest.topic.slug}.md"


def digest_export_markdown(*, digest: Digest) -> str:
    """Return the digest as one Hexo post (front matter, banner, day heading, one block per paper)."""
    topic: Topic = digest.topic
    language = topic.language if topic.language in LABELS else Language.EN
    labels, colon = LABELS[language], COLON[language]
    entries = list(_entries(digest))
    for entry in entries:
        # The intro reads each entry's summary in the topic's language, as on the page.
        entry.summary = _summary_for(entry.paper, topic.language)
    chosen = [(entry.paper, entry.summary) for entry in entries]
    cover = ""
    if digest.cover_figure_id and digest.cover_figure and not digest.cover_figure.hidden:
        cover = figure_public_url(digest.cover_figure)
    if not cover:
        cover = next(
            (figure_public_url(f) for paper, _ in chosen for f in paper.visible_figures if figure_public_url(f)), ""
        )
    when = (
        timezone.localtime(digest.published_at)
        if digest.published_at
        else datetime.datetime.combine(digest.date, datetime.time())
    )
    front = [
        ("title", digest.title or topic.name),
        ("date", None),
        ("author", digest.published_by.get_username() if digest.published_by_id else EXPORT_AUTHOR),
        ("cover", cover),
        ("categories", "Paper"),
        ("tags", None),
        ("description", _one_line(description_shown(digest, entries))),
        ("keywords", topic.name),
        ("toc", None),
        ("toc_number", False),
        ("toc_style_simple", True),
        ("copyright", None),
        ("copyright_author", None),
        ("copyright_author_href", None),
        ("copyright_url", None),
        ("copyright_info", None),
        ("mathjax", True),
        ("katex", None),
        ("aplayer", None),
        ("highlight_shrink", None),
        ("aside", None),
    ]
    lines = ["---"]
    for key, value in front:
        if key == "date":
            lines.append(f"date: {when:%Y-%m-%d %H:%M:%S}")
        elif key == "tags":
            lines += ["tags:", f"    - {_yaml_scalar(topic.name)}"]
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}".rstrip())
    lines += ["---", ""]
    link = f"{settings.SITE_URL}{topic.get_absolute_url()}"
    lines += _banner([s for _, s in chosen if s is not None], labels, link)
    lines += ["", labels["day"].format(date=digest.date.isoformat()), "", ""]
    if note := _not_processed_note(digest, language):
        lines += [f"> {note}", "", ""]
    for paper, summary in chosen:
        lines += _paper_block(paper, summary, labels, colon)
    return "\n".join(lines).rstrip() + "\n"


def _not_processed_note(digest: Digest, language: str) -> str:
    """The public page's line on the day's papers that could not be processed, as text."""
    with translation.override(language):
        note = render_to_string("digests/_not_processed.html", {"not_processed": digest_not_processed(digest=digest)})
    return html.unescape(strip_tags(note)).strip()


def _write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def hexo_export(
    *,
    topic: Topic,
    out_dir: Path,
    date: datetime.date | None = None,
    since: datetime.date | None = None,
) -> list[Path]:
    """Write one post per published digest of ``topic`` (one day, or from ``since`` on); return the files."""
    digests = Digest.objects.published().filter(topic=topic).select_related("topic", "cover_figure", "published_by")
    if date is not None:
        digests = digests.filter(date=date)
    if since is not None:
        digests = digests.filter(date__gte=since)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for digest in digests.order_by("date"):
        path = out_dir / hexo_filename(digest=digest)
        _write_atomically(path, digest_export_markdown(digest=digest))
        written.append(path)
    return written
