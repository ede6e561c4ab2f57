"""The first author's affiliation, read from page 1 of the PDF without a model."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .layout import Line, PageLayout


class FoundAffiliation(NamedTuple):
    """The first author's institution, the page lines it was read from, and,
    when none is stored, why (shown to the editor instead of a guess)."""

    text: str
    evidence: str
    note: str = ""


MARKER_CHARS = "0123456789*†‡§¶∗♯#♮⋆"
_MARKER = re.compile(r"^\s*([0-9]{1,2}|[a-h]|[*†‡§¶∗♯⋆]{1,2})\s*(?=\S)")
_INSTITUTION = re.compile(
    r"universit|institut|college|school|laborator|\blab\b|academy|research|department|dept\.|"
    r"centre|center|inc\.|ltd|corporation|google|microsoft|meta|nvidia|deepmind|openai|alibaba|tencent|"
    r"baidu|bytedance|huawei|amazon|apple|adobe|samsung|sony|ibm|polytechni|faculty|hospital|eth\b|epfl|mit\b",
    re.I,
)
_NOT_AFFILIATION = re.compile(
    r"equal contribution|corresponding|work done|intern at|@|https?://|contributed equally", re.I
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum()).lower()


def _markers_after(line: Line, name_end_span: int, name_size: float) -> list[str]:
    """Collect superscript markers right after the author's name span."""
    out = ""
    for span in line.spans[name_end_span + 1 :]:
        small = span.flags & 1 or span.size < 0.85 * name_size
        if not small:
            break
        out += span.text
    return [m.strip() for m in re.split(r"[,\s]+", out) if m.strip()]


def _find_author_line(lines: list[Line], name: str) -> tuple[Line, int, list[str]] | None:
    """Return the line naming the author, the span index where the name ends, and its markers."""
    parts = name.split()
    if not parts:
        return None
    last = _fold(parts[-1])
    full = _fold(name)
    for line in lines:
        folded = _fold(line.text)
        if last not in folded:
            continue
        acc = ""
        for i, span in enumerate(line.spans):
            acc += _fold(span.text)
            if full in acc or (last in acc and _fold(parts[0])[:1] in acc):
                markers = _markers_after(line, i, span.size)
                tail = span.text.split(parts[-1], 1)[-1] if parts[-1] in span.text else ""
                m = re.match(r"^\s*([0-9,*†‡§¶∗]+)", tail)
                if m:
                    markers = [x for x in re.split(r"[,\s]+", m.group(1)) if x] + markers
                return line, i, markers
    return None


def _leading_marker(line: Line) -> tuple[str, str] | None:
    """Split "¹University of X" into ("1", "University of X")."""
    first = line.spans[0]
    if len(line.spans) > 1 and (first.flags & 1 or first.size < 0.85 * line.spans[1].size):
        marker = first.text.strip()
        if marker and len(marker) <= 3:
            return marker, "".join(s.text for s in line.spans[1:]).strip()
    m = _MARKER.match(line.text)
    if m and line.text[m.end() :][:1].isupper():
        return m.group(1), line.text[m.end() :].strip()
    return None


def _rank(marker: str) -> int:
    return 0 if marker[:1].isalnum() else 1


def first_author_affiliation(layout: PageLayout, authors: list[str], body_size: float) -> FoundAffiliation:
    """Read the first author's institution from page 1, or say why it is unknown."""
    if not authors:
        return FoundAffiliation("", "", "The metadata lists no authors.")
    lines = sorted((ln for ln in layout.lines if ln.role not in ("furniture", "gutter")), key=lambda ln: (ln.y0, ln.x0))
    top = [ln for ln in lines if ln.y0 < 0.5 * layout.height]
    found = _find_author_line(top, authors[0])
    if not found:
        return FoundAffiliation("", "", "The first author's name was not found on page 1.")
    author_line, _, markers = found
    stop = next(
        (
            ln.y0
            for ln in lines
            if ln.y0 > author_line.y1
            and re.match(r"^(abstract|1\.?\s+introduction|i\.\s+introduction)\b", ln.text, re.I)
        ),
        0.5 * layout.height,
    )
    other_names = [_fold(a.split()[-1]) for a in authors[1:] if a.split()]
    front = [ln for ln in lines if author_line.y1 - 1 <= ln.y0 < stop and ln is not author_line]
    footer = [ln for ln in lines if ln.y0 > 0.6 * layout.height and ln.size < body_size - 0.4]

    if markers:
        table: dict[str, list[Line]] = {}
        for pool in (front, footer):
            current = None
            for ln in pool:
                lead = _leading_marker(ln)
                if lead:
                    current = lead[0]
                    table.setdefault(current, []).append(ln)
                elif current and table[current] and 0 <= ln.y0 - table[current][-1].y1 < 0.8 * ln.height:
                    table[current].append(ln)
                else:
                    current = None
        for marker in sorted(markers, key=_rank):
            hit = table.get(marker)
            if not hit:
                continue
            text = " ".join([_leading_marker(hit[0])[1]] + [h.text for h in hit[1:]])
            if _NOT_AFFILIATION.search(text) and not _INSTITUTION.search(text):
                continue
            evidence = "\n".join([author_line.text] + [h.text for h in hit])
            return FoundAffiliation(_tidy(text), evidence)

    # No markers: the lines under the first author (stacked layouts) or under the author list.
    picked: list[Line] = []
    for ln in front:
        folded = _fold(ln.text)
        if any(n and n in folded for n in other_names) and not _INSTITUTION.search(ln.text):
            if picked:
                break
            continue
        if _NOT_AFFILIATION.search(ln.text):
            if picked:
                break
            continue
        overlaps = min(ln.x1, author_line.x1) - max(ln.x0, author_line.x0) > 0
        if not overlaps:
            continue
        if picked and ln.y0 - picked[-1].y1 > 0.8 * ln.height:
            break
        picked.append(ln)
        if len(picked) >= 3:
            break
    if picked and any(_INSTITUTION.search(p.text) for p in picked):
        text = " ".join(p.text for p in picked)
        return FoundAffiliation(_tidy(text), "\n".join([author_line.text] + [p.text for p in picked]))
    return FoundAffiliation("", author_line.text, "No institution was found next to the first author's name.")


# "…, UK. Contact: ada@cam.ac.uk": what follows a contact lead-in is no affiliation.
_CONTACT = re.compile(r"[.,;]?\s*\b(?:contact|e-?mails?|correspondence)\b.*$", re.I)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\S+@\S+", "", text)
    text = _CONTACT.sub("", text)
    return text.strip(" ,;:")[:500]
