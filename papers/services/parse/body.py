"""Paragraphs, section headings, the section map and the summarizer's input."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from papers.text import tokens_estimate

from .layout import Line

NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
LETTER = re.compile(r"^(?P<num>[A-H])(?:\.\d{1,2})*\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
INLINE_ABSTRACT = re.compile(r"^abstract\s*(?:[.:—–]|-{1,2})\s*(?=\S)", re.I)

CANONICAL = (
    ("abstract", ("abstract",)),
    ("references", ("references", "bibliography", "reference")),
    ("introduction", ("introduction",)),
    ("related_work", ("related work", "related works", "background", "prior work", "literature review")),
    ("method", ("method", "methods", "methodology", "approach", "proposed", "our model", "framework")),
    ("experiments", ("experiment", "evaluation", "results", "empirical")),
    ("conclusion", ("conclusion", "concluding", "summary and", "conclusions")),
    ("acknowledgments", ("acknowledg",)),
    ("appendix", ("appendix", "supplementary")),
)
KNOWN_UNNUMBERED = {
    "abstract",
    "references",
    "bibliography",
    "introduction",
    "related work",
    "conclusion",
    "conclusions",
    "acknowledgments",
    "acknowledgements",
    "acknowledgment",
    "appendix",
    "discussion",
    "limitations",
}
SUMMARY_PARTS = ("abstract", "introduction", "method", "conclusion")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


@dataclass
class Heading:
    name: str  # canonical key or slug
    title: str
    level: int  # 1 = section, 2 = subsection
    appendix_like: bool = False
    inline_rest: str = ""


@dataclass
class Document:
    text: str
    sections: dict[str, str] = field(default_factory=dict)
    references_at: tuple[int, float, int] | None = None  # (0-based page, y, column) of References


def canonical_name(title: str) -> str:
    low = re.sub(r"\s+", " ", title.lower()).strip(" .:")
    for name, needles in CANONICAL:
        if any(low == n or low.startswith(n + " ") or n in low for n in needles):
            return name
    slug = re.sub(r"[^a-z0-9]+", "_", low).strip("_")
    return slug[:60] or "section"


def detect_heading(line: Line, body_size: float, *, after_references: bool) -> Heading | None:
    text = line.text.strip()
    styled = line.bold or line.size >= body_size + 0.8 or (text.isupper() and len(text) > 3)
    m = INLINE_ABSTRACT.match(text)
    if m and (line.spans[0].bold or line.spans[0].flags & 2 or "—" in text[:12]):
        return Heading("abstract", "Abstract", 1, inline_rest=text[m.end() :])
    if not styled or len(text) > 90 or len(text.split()) > 12 or text.endswith((",", ";")):
        return None
    low = text.lower().strip(" .:")
    if low in KNOWN_UNNUMBERED:
        return Heading(canonical_name(low), text, 1)
    m = NUMBERED.match(text)
    if m and not re.search(r"\d\s*$", m.group("title")):
        level = 1 if "." not in m.group("num") else 2
        return Heading(canonical_name(m.group("title")), m.group("title"), level)
    m = ROMAN.match(text)
    if m and (text.isupper() or line.bold):
        return Heading(canonical_name(m.group("title")), m.group("title"), 1)
    m = LETTER.match(text)
    if m and after_references:
        return Heading(canonical_name(m.group("title")), m.group("title"), 1, appendix_like=True)
    return None


def _pitch(lines: list[Line]) -> float:
    diffs = [
        b.y0 - a.y0
        for a, b in zip(lines, lines[1:])
        if a.page == b.page and a.col == b.col and 0 < b.y0 - a.y0 < 2.5 * max(a.size, 1)
    ]
    return statistics.median(diffs) if diffs else 12.0


def _join(lines: list[str]) -> str:
    out = ""
    for text in lines:
        if not out:
            out = text
        elif out.endswith("-") and text[:1].islower():
            out = out[:-1] + text
        else:
            out = f"{out} {text}"
    return out


def build_document(lines: list[Line], body_size: float) -> Document:
    """Turn ordered body lines into paragraphs, cut the reference list, map sections."""
    pitch = _pitch(lines)
    items: list[tuple[str, str | Heading, Line]] = []  # ("p", text, first line) | ("h", heading, line)
    para: list[str] = []
    para_first: Line | None = None
    prev: Line | None = None
    after_refs = False

    def flush() -> None:
        nonlocal para, para_first
        if para:
            items.append(("p", _join(para), para_first))
        para, para_first = [], None

    for line in lines:
        heading = detect_heading(line, body_size, after_references=after_refs) if line.role != "caption" else None
        if heading:
            flush()
            items.append(("h", heading, line))
            if heading.name == "references":
                after_refs = True
            if heading.inline_rest:
                para, para_first = [heading.inline_rest], line
            prev = line
            continue
        new = prev is None or (line.role == "caption") != (prev.role == "caption")
        if prev is not None and not new:
            if line.page != prev.page or line.col != prev.col:
                new = prev.text.rstrip().endswith((".", ":", "!", "?")) or not line.text[:1].islower()
            else:
                step = line.y0 - prev.y0
                new = step > 1.3 * pitch or step < -2 or line.x0 > prev.x0 + 6 or abs(line.size - prev.size) > 1.2
        if new:
            flush()
            para_first = line
        para.append(line.text)
        prev = line
    flush()

    body: list[str] = []
    sections: dict[str, list[str]] = {}
    current: str | None = None
    in_refs = False
    refs_at = None
    seen_method = False
    seen_experiments = False
    for kind, value, line in items:
        if kind == "h":
            heading: Heading = value
            if heading.level > 1:
                if not in_refs:
                    body.append(line.text)
                if current:
                    sections[current].append(line.text)
                continue
            name = heading.name
            if name == "references":
                in_refs = True
                refs_at = refs_at or (line.page, line.y0, line.col)
            elif in_refs and (heading.appendix_like or name in ("appendix", "acknowledgments")):
                in_refs = False
            if name == "method":
                seen_method = True
            if name == "experiments":
                seen_experiments = True
            known = {n for n, _ in CANONICAL}
            if name not in known and not seen_method and not seen_experiments and "introduction" in sections:
                # A paper's method section is usually titled after the method itself.
                name = "method"
                seen_method = True
            current = name
            sections.setdefault(current, [])
            if not in_refs:
                body.append(line.text if not heading.inline_rest else "Abstract")
            continue
        if current:
            sections[current].append(value)
        if not in_refs:
            body.append(value)
    text = "\n\n".join(t for t in body if t.strip())
    return Document(
        text=text,
        sections={k: "\n\n".join(v).strip() for k, v in sections.items() if "".join(v).strip()},
        references_at=refs_at,
    )


def cut_to_tokens(text: str, budget: int) -> str:
    """Return the longest run of whole sentences from the start within ``budget`` tokens."""
    if tokens_estimate(text) <= budget:
        return text
    out = ""
    used = 0
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        # CJK sentences follow each other without a space; Latin ones need one.
        sep = "" if not out or out.endswith(("。", "！", "？")) else " "
        cost = tokens_estimate(sentence) + len(sep)
        if used + cost > budget:
            break
        out += sep + sentence
        used += cost
    return out


def summarizer_input(*, content, token_budget: int) -> str:
    """Return abstract, introduction, method and conclusion cut to fit ``token_budget``.

    Shares are water-filled: short parts keep all their text and what they leave
    goes to the longer ones. Whole sentences only. Falls back to the arXiv
    abstract and the body text when the PDF had no recognisable sections.
    """
    sections = dict(content.sections or {})
    if not sections.get("abstract") and getattr(content, "paper", None) is not None:
        sections["abstract"] = content.paper.abstract
    if "conclusion" not in sections and sections.get("discussion"):
        sections["conclusion"] = sections["discussion"]
    parts = [(name, sections[name]) for name in SUMMARY_PARTS if sections.get(name)]
    if len(parts) <= 1 and content.text:
        parts.append(("text", content.text))
    heads = {name: f"## {name.replace('_', ' ').title()}\n" for name, _ in parts}
    budget = token_budget - sum(tokens_estimate(h) + 1 for h in heads.values())
    need = {name: tokens_estimate(text) for name, text in parts}
    share: dict[str, int] = {}
    left = max(budget, 0)
    pending = sorted(need, key=need.get)
    while pending:
        fair = left // len(pending)
        name = pending.pop(0)
        share[name] = min(need[name], fair)
        left -= share[name]
    chunks = []
    for name, text in parts:
        cut = cut_to_tokens(text, share[name])
        if cut:
            chunks.append(heads[name] + cut)
    return "\n\n".join(chunks)
