"""The first author's affiliation, read from page 1 of the PDF without a model.

Four places hold it on real papers: institutions under the author list, led by
the marker the author's name carries ("Ada Lovelace¹ …" / "¹University of X
²Y Lab", also ♠ ♢ α † and letters); a block of lines under each name (IEEE and
ACM side-by-side blocks, CVPR's tabular author list); in IEEE journals, a
first-page footnote "A. Author and B. Author are with the Department of …"
(compsoc: one bulleted item per sentence); and, in ACM journals, the footnote
"Authors' addresses: A. Author, University of X, City, Country, email; B.
Author, …". amsart alone prints the addresses after the references; that page is
read only when page 1 names none. An entry runs on over its wrapped lines (a
postcode broken at its space, a footnote's next row) up to the next real marker.
Footnotes that share a marker but say something else
(equal contribution, listing order, internships, code, a present address or
"now at") are not affiliations. When the page does not
say which institution is the first author's, nothing is stored and the note
says why: a wrong affiliation is worse than none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from .layout import Line, PageLayout, Span, is_raised, same_row
from .layout import fold as _fold


class FoundAffiliation(NamedTuple):
    """The first author's institution, the page lines it was read from, and,
    when none is stored, why (shown to the editor instead of a guess)."""

    text: str
    evidence: str
    note: str = ""


# One marker: a number, a lowercase or Greek letter, or a run of one symbol ("**", "††").
_TOKEN = re.compile(r"\d{1,2}|[a-zα-ω]|([^\w\s,;.()\[\]:])\1*")
# Markers typed into the text rather than set small: Unicode superscripts, a digit glued to a
# capital, a symbol. Only the first of a line may be followed by a space ("1 University of X").
_TEXT_MARKER = re.compile(r"^\s*([⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,2}|[*†‡§¶∗⋆♠♢♡♣♦♥★]{1,2})\s*(?=[A-Z])")
_NEXT_TEXT_MARKER = re.compile(r"(?<=\s)([⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,2}(?=[A-Z])|[*†‡§¶∗⋆♠♢♡♣♦♥★]{1,2})\s*(?=[A-Z])")
# A postcode broken at its space: a UK outward code ("EH8", "SL7", "SW1A") or a US state ends a
# line, the inward code ("9AB", where it reads like a typed marker "9") or the ZIP opens the next.
_POSTCODE_TAIL = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|[A-Z]{2})$")
_POSTCODE_HEAD = re.compile(r"(?:\d[A-Z]{2}|\d{5}(?:-\d{4})?)\b")
# The same marker set in different fonts: CMSY's ∗ and a text *; Unicode superscript digits.
_SAME_MARKER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹∗", "0123456789*")
# A footnote that reads as prose ("We use the public code of …") is no institution.
_PROSE = re.compile(r"\b(we|our|us|see|this paper|this work)\b", re.I)
_INSTITUTION = re.compile(
    r"universit|univ\.|institut|college|school|laborator|\blabs?\b|academy|research|department|dept\.|"
    r"centre|center|inc\.|ltd|gmbh|corporation|google|microsoft|meta\b|nvidia|deepmind|openai|alibaba|tencent|"
    r"baidu|bytedance|huawei|amazon|apple|adobe|samsung|sony|ibm|polytechni|faculty|hospital|eth\b|epfl|mit\b|"
    r"istituto|universidad|universit[äé]|hochschule|group\b|\bai\b",
    re.I,
)
# What a footnote sharing the author's marker says when it is not the affiliation.
_NOTE = re.compile(
    r"equal(ly)?\s+contribut|contributed\s+equally|joint\s+first|co-?first|corresponding|"
    r"\b(work|research|part of this work)\b[^.]{0,30}\b(done|performed|conducted|carried out)\b|"
    r"\bdone\s+(while|during|when|at)\b|\bwhile\s+(at|visiting|working|interning)\b|\bintern(ship|ing)?\b|"
    r"\bvisiting\b|\b(now|currently)\s+(at|with|affiliated|employed)\b|\b(formerly|previously)\s+(at|with)\b|"
    # Where the author is now, not where the work was done.
    r"\b(present|current|permanent|new|home)\s+(address|affiliation)\b|\bon\s+leave\b|\bmoved\s+to\b|"
    r"alphabetic|\border\b|\blisted\b|coin\s+(toss|flip)|"
    r"\bproject\s+(page|lead|website)\b|\bcode\b|github|gitlab|https?://|www\.|@|\be-?mail\b|\bcontact\b|"
    r"\bsupported\s+by\b|\bfunded\s+by\b",
    re.I,
)
_STOP = re.compile(
    r"^(abstract|a\s*b\s*s\s*t\s*r\s*a\s*c\s*t|index terms|keywords|1\.?\s+introduction|i\.\s+introduction)\b", re.I
)
_CONNECTOR = re.compile(r"(?:\b(?:of|and|for|the|de|di|del|der|des|du|la|le|für|und|in|at|&)|[,;:&/-])$", re.I)
# An organisation in its own right, and the units inside one ("Department of …" is part of the
# university after it): two organisations under one unmarked name are two candidates.
_ORGANISATION = re.compile(
    r"universit|univ\.|institut|college|academy|\binc\b|\bltd\b|gmbh|corporation|\bcorp\b|google|microsoft|"
    r"\bmeta\b|nvidia|deepmind|openai|alibaba|tencent|baidu|bytedance|huawei|amazon|apple|adobe|samsung|sony|\bibm\b|"
    r"research\b|\blabs?\b|laborator|hospital|polytechni|\beth\b|epfl|\bmit\b|istituto|universidad|hochschule|[ée]cole",
    re.I,
)
_UNIT = re.compile(
    r"^(department|dept\b|school|faculty|division|college of|institute (of|for)|laborator|lab\b|group|chair|"
    r"centre|center|program|unit|graduate|key lab|state key)",
    re.I,
)
_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://|www\.|\{[^}]*\}@", re.I)
# Whole addresses, so a name inside one ("l.navarro@ehl.nl") is not taken for the author's.
_ADDRESS = re.compile(r"\{[^}]*\}\s*@\S+|\S+@\S+|https?://\S+|www\.\S+", re.I)
# An ORCID printed after the name (llncs' \orcidID: "Navarro1,2[0000-0002-1825-0097]").
_ORCID = re.compile(r"\[?\s*\d{4}(?:\s*[-−–‐]\s*\d{4}){2}\s*[-−–‐]\s*\d{3}[\dX]\s*\]?", re.I)
# pdfTeX's OT1 fonts set an accent as a glyph of its own before its letter ("Luc´ıa", "M¨uller"),
# an accented i over a dotless ı: the combining mark each glyph stands for.
_SPACING_ACCENT = {
    "´": "\u0301",
    "`": "\u0300",
    "¨": "\u0308",
    "ˆ": "\u0302",
    "˜": "\u0303",
    "ˇ": "\u030c",
    "˘": "\u0306",
    "¯": "\u0304",
    "˚": "\u030a",
    "˙": "\u0307",
    "˝": "\u030b",
    "¸": "\u0327",
    "˛": "\u0328",
}
_SPLIT_ACCENT = re.compile(f"([{''.join(_SPACING_ACCENT)}])([^\\W\\d_])")
# acmart's journal formats (acmsmall, acmlarge, acmtog, manuscript) print every author's address in
# a first-page footnote; newer versions call it "Authors' Contact Information".
_ADDRESSES = re.compile(r"^\W{0,3}authors?['’]?s?\s*(?:addresses|address|contact\s+information)\s*:\s*", re.I)
# compsoc sets each thanks sentence as a bulleted item whose lines hang under its text.
_BULLET = re.compile(r"^\s*[•◦∙▪●]\s*")
# A line ending inside a phrase: the entry goes on below.
_BROKEN_OFF = re.compile(r"\b(?:of|and|for|the|de|di|del|der|des|du|für|und|at)$|[&/-]$", re.I)
# amsart's labels after an author's address at the end of the paper.
_END_LABEL = re.compile(r"^(?:e-?mail\s+addresse?s?|current\s+address|present\s+address|url)\s*:", re.I)
# A full stop after these ends no sentence ("Univ. of X", "St. Louis").
_ABBREVIATION = re.compile(r"(?:\b(?:inc|ltd|co|corp|univ|dept|st|mt|ave|rd|str|no|nr|bldg)|\b[A-Za-z])$", re.I)


@dataclass
class _Entry:
    """An institution (or note) led by a marker, with the lines it was read from."""

    marker: str
    parts: list[str]
    lines: list[Line]
    where: str  # "front": under the authors; "footnote": at the foot of page 1
    closed: bool = False  # another segment followed on its last line: no continuation
    typed: bool = False  # its marker is typed into the text, not raised

    @property
    def text(self) -> str:
        return _join(self.parts)

    @property
    def tokens(self) -> list[str]:
        return _tokens(self.marker)


def _words(text: str) -> set[str]:
    return {_fold(w) for w in re.split(r"[\s,;]+", text) if _fold(w)}


def _tokens(text: str) -> list[str]:
    return [m.group(0) for m in _TOKEN.finditer(text.translate(_SAME_MARKER).strip())]


def _is_marker(span: Span, ref: float) -> bool:
    """A superscript or small span of marker characters (not small caps: those are upper case).

    Unlike links' footnote marks, a marker may be a list ("1,2") or a Greek letter;
    "small" is strictly below 85% here, as this reader has always measured it.
    """
    t = span.text.strip()
    return bool(t) and is_raised(span, ref, strict=True) and _marker_text(t)


def _marker_text(t: str) -> bool:
    # Compare in the tokens' own spelling: CMSY's ∗ is read as *.
    return (
        len(t) <= 5
        and "".join(_tokens(t)) == re.sub(r"[\s,]", "", t.translate(_SAME_MARKER))
        and not any(c.isupper() for c in t)
    )


def _plain(text: str) -> tuple[str, list[int]]:
    """Lower case without accents, for finding a name, and the offset in ``text`` each character came from.

    A split accent goes with its letter ("Luc´ıa" is "lucia"), a ligature is its letters.
    """
    out: list[str] = []
    where: list[int] = []
    for k, c in enumerate(text):
        if c in _SPACING_ACCENT and k + 1 < len(text) and text[k + 1].isalpha():
            continue
        for d in unicodedata.normalize("NFKD", c.replace("\u2019", "'").replace("\u0131", "i")).lower():
            if not unicodedata.combining(d):
                out.append(d)
                where.append(k)
    return "".join(out), where


def _compose(text: str) -> str:
    """A split accent set on its letter: "Hidr´aulica" -> "Hidráulica"."""

    def one(m: re.Match) -> str:
        return unicodedata.normalize("NFC", m.group(2).replace("\u0131", "i") + _SPACING_ACCENT[m.group(1)])

    return _SPLIT_ACCENT.sub(one, text)


def _name_patterns(name: str) -> list[re.Pattern]:
    """The author as arXiv spells them, then as title pages vary it: middle names, initials, surname first."""
    parts = name.replace("\u2019", "'").split()
    first, last = parts[0], parts[-1]

    def b(word: str) -> str:
        return re.escape(_plain(word)[0])

    pats = [r"[\s.~-]*".join(b(p) for p in parts)]
    if len(parts) > 1:
        pats += [
            rf"{b(first)}[^,;]{{0,25}}?\b{b(last)}",
            rf"{b(first[0])}\.[\s\w.-]{{0,12}}?\b{b(last)}",
            rf"{b(last)},?\s+{b(first)}",
        ]
    return [re.compile(rf"(?<!\w){p}") for p in pats]


def _find_author(lines: list[Line], name: str) -> tuple[Line, float, float, list[str]] | None:
    """The line naming the author, the x-range of the name, and the markers after it."""
    if not name.split():
        return None
    read: dict[int, tuple[str, list[int], str, list[int]]] = {}
    for pattern in _name_patterns(name):
        for line in lines:
            if id(line) not in read:
                offsets, text = [], ""
                for span in line.spans:
                    offsets.append(len(text))
                    text += span.text
                read[id(line)] = (text, offsets, *_plain(text))
            text, offsets, plain, where = read[id(line)]
            # The name ends at a word end or where a span ends: a marker may follow unspaced ("Almeida" "b").
            found = _name_at(text, plain, where, pattern, set(offsets))
            if found is None:
                continue
            start, end = found
            i = max(k for k, off in enumerate(offsets) if off < end)
            j = max(k for k, off in enumerate(offsets) if off <= start)
            x0 = _at(line.spans[j], start - offsets[j])
            x1 = _at(line.spans[i], end - offsets[i])
            markers: list[str] = []
            tail = _ORCID.sub(" ", line.spans[i].text[end - offsets[i] :]).translate(_SAME_MARKER)
            lead = re.match(r"^[\s,]*([^\s\w,]{1,3}|\d{1,2}(?:,\d{1,2})*)(?=\s|,|$|[A-Z])", tail)
            if lead:
                markers += _tokens(lead.group(1))
            # The raised run after the name, read as one text: an ORCID in it is no marker.
            ref = line.spans[i].size
            raised = ""
            for s in line.spans[i + 1 :]:
                if is_raised(s, ref, strict=True):
                    raised += s.text
                elif s.text.strip(" ,"):
                    break
                else:
                    raised += ","
            for piece in re.split(r"[\s,]+", _ORCID.sub(",", raised)):
                if not piece:
                    continue
                if not _marker_text(piece):
                    break
                markers += _tokens(piece)
            return line, x0, x1, markers
    return None


def _name_at(text: str, plain: str, where: list[int], pattern: re.Pattern, ends: set[int]) -> tuple[int, int] | None:
    """Where ``pattern`` (on ``plain``, read from ``text``) finds the name in ``text``: not inside an
    e-mail address or URL, and ending at a word end or at one of ``ends``."""
    hidden = [m.span() for m in _ADDRESS.finditer(text)] if "@" in text or "/" in text or "www" in text else []
    for m in pattern.finditer(plain):
        start, end = where[m.start()], where[m.end() - 1] + 1
        if any(a < end and start < b for a, b in hidden):
            continue
        if end == len(text) or not text[end].isalpha() or end in ends:
            return start, end
    return None


def _at(span: Span, pos: int) -> float:
    """Approximate x of a character offset inside a span, by character share."""
    x0, _, x1, _ = span.bbox
    return x0 + (x1 - x0) * max(0, min(pos, len(span.text))) / max(1, len(span.text))


def _segments(line: Line, *, typed: bool = True) -> list[tuple[str, str]]:
    """Split a line at the markers that lead institutions: "¹Univ A ²Univ B" -> [("1", "Univ A"), ("2", "Univ B")].

    Text before the first marker comes with marker "". Markers are raised or small
    spans; with ``typed``, also markers typed into the text ("1University of X").
    """
    ref = max(s.size for s in line.spans)
    out: list[tuple[str, str]] = []
    marker, buf = "", ""
    spans = line.spans
    for k, span in enumerate(spans):
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        if _is_marker(span, ref) and nxt is not None and not _is_marker(nxt, ref):
            if buf.strip() or marker:
                out.append((marker, buf.strip()))
            marker, buf = span.text.strip(), ""
            continue
        buf += span.text
    if buf.strip() or marker:
        out.append((marker, buf.strip()))
    if typed and len(out) == 1 and not out[0][0]:
        m = _TEXT_MARKER.match(line.text)
        if m:
            rest = line.text[m.end() :]
            cuts = list(_NEXT_TEXT_MARKER.finditer(rest))
            out = []
            marker, start = m.group(1), 0
            for cut in cuts:
                out.append((marker, rest[start : cut.start()].strip()))
                marker, start = cut.group(1), cut.end()
            out.append((marker, rest[start:].strip()))
    return out


def _entries(lines: list[Line], where: str) -> list[_Entry]:
    """Marker-led entries; an entry runs on over the lines that continue it (a wrapped address).

    A line continues the open entry (the last on its line) when it sits right under it in
    its font and does not open with a marker of the entry's kind: under raised markers a
    digit typed at a line start is the rest of the address ("Marlow, SL7" / "1AB, United
    Kingdom"), not a new entry. Text before a line's first marker is the open entry's tail
    ("Norwegian Polar Centre," / "Tromsvik, Norway. ³Instituto …").
    """
    out: list[_Entry] = []
    last: _Entry | None = None
    for ln in _in_rows(lines):
        open_ = last if last is not None and not last.closed else None
        below = open_ is not None and _continues(open_.lines[-1], ln, shared=True)
        segs = _segments(ln, typed=False)
        raised = bool(segs and (segs[0][0] or len(segs) > 1))
        if not raised and not (below and (not open_.typed or _postcode_split(open_.lines[-1].text, ln.text))):
            segs = _segments(ln)
        if not segs:
            last = None
            continue
        marked = [(n, m, t) for n, (m, t) in enumerate(segs) if m]
        if not segs[0][0]:
            # Text before any marker is the open entry's tail, or the line is no entry's: a
            # second row of names carries markers too ("CJ Taylor¹, Zhuowen Tu¹").
            if not (below and (marked or _continues(open_.lines[-1], ln))):
                last = None
                continue
            open_.parts.append(segs[0][1])
            open_.lines.append(ln)
        for n, marker, text in marked:
            last = _Entry(marker, [text], [ln], where, closed=n < len(segs) - 1, typed=not raised)
            out.append(last)
    return out


def _in_rows(lines: list[Line]) -> list[Line]:
    """Lines in reading order by row: a raised marker lifts a line's top above its row's other
    pieces ("²Halcyon Labs …" above the "UK" left of it), so sorting by top alone misorders them."""
    out: list[Line] = []
    row: list[Line] = []
    for ln in sorted(lines, key=lambda ln: ln.y0):
        if row and not same_row(row[0], ln):
            out += sorted(row, key=lambda r: r.x0)
            row = []
        row.append(ln)
    return out + sorted(row, key=lambda r: r.x0)


def _postcode_split(before: str, after: str) -> bool:
    """A postcode broken at a line end ("Edinburgh EH8" / "9AB, UK"): one phrase, and the digit is no typed marker."""
    return bool(_POSTCODE_TAIL.search(before) and _POSTCODE_HEAD.match(after))


def _continues(prev: Line, ln: Line, *, shared: bool = False) -> bool:
    """A wrapped institution's next line: right below, in its font, no wider (not the abstract below it).

    A line that also opens a new marked entry (``shared``), or one under a line ending in
    a comma, may be wider: the abstract has neither.
    """
    return (
        -0.3 * ln.height <= ln.y0 - prev.y1 < 0.8 * ln.height
        and (shared or prev.text.endswith(",") or ln.width <= prev.width + 0.5 * ln.size)
        and ln.spans[0].font == prev.spans[-1].font
        and not _EMAIL_OR_URL.search(ln.text)
    )


def _join(parts: list[str]) -> str:
    """Join an institution's lines: a line break between address parts is a comma, inside a phrase a space."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith("-") and part[:1].islower():
            out = out[:-1] + part
        elif _CONNECTOR.search(out) or part[:1].islower() or part[:1] in ",;)" or _postcode_split(out, part):
            out = f"{out} {part}"
        else:
            out = f"{out}, {part}"
    return out


def _is_note(text: str) -> bool:
    """A footnote about contribution, order, an internship, code or contact, not an institution.

    Contact details after an institution ("…, UK. Contact: ada@…") do not make it a note.
    """
    tidy = _tidy(text)
    return not tidy or bool(_NOTE.search(tidy))


def _tidy(text: str) -> str:
    text = _compose(re.sub(r"\s+", " ", text))
    text = re.sub(r"\((?:[^()]*@[^()]*|\s*e-?mails?\b[^()]*)\)?", "", text, flags=re.I)
    text = re.sub(r"\S+@\S+|https?://\S+|www\.\S+", "", text)
    text = re.sub(r"[.,;:]?\s*\b(?:contact|e-?mails?|correspondence)\b.*$", "", text, flags=re.I)
    text = re.sub(r"\s+([,;.])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    # A marker left at the end ("University of X∗"); digits stay (postal codes end addresses).
    text = re.sub(r"[\s*†‡§¶∗⋆♠♢♡♣♦♥★]+$", "", text.strip(" ,;:·")).strip(" ,;:·")
    if text.endswith(".") and not re.search(r"\b(?:Inc|Ltd|Co|Corp|Univ|Dept|S\.A|Pty|St)\.$", text):
        text = text.rstrip(". ")
    return text[:500]


def first_author_affiliation(
    layout: PageLayout, authors: list[str], body_size: float, last: PageLayout | None = None
) -> FoundAffiliation:
    """Read the first author's institution from page 1, or say why it is unknown.

    ``last``, the paper's last page, is read only when page 1 names no institution
    for the author: amsart prints the addresses after the references.
    """
    if not authors:
        return FoundAffiliation("", "", "The metadata lists no authors.")
    usable = [ln for ln in layout.lines if ln.role not in ("furniture", "gutter")]
    lines = sorted(usable, key=lambda ln: (ln.y0, ln.x0))
    top = [ln for ln in lines if ln.y0 < 0.5 * layout.height]
    # Footnotes: small type low on page 1. A one-off footer line (the last line of
    # a footnote can look like one) is kept; page numbers are not.
    footer = sorted(
        (
            ln
            for ln in layout.lines
            if ln.y0 > 0.6 * layout.height
            and ln.size < body_size - 0.4
            and ln.role != "gutter"
            and not re.fullmatch(r"[\d\s\-–]+", ln.text)
        ),
        key=lambda ln: (ln.y0, ln.x0),
    )
    paragraphs = _paragraphs(footer)
    # The addresses footnote names each author with their whole address: nothing on the page says more.
    addressed = _addresses_footnote(paragraphs, authors[0])
    if addressed is not None:
        return addressed
    found = _find_author(top, authors[0])
    if not found:
        return FoundAffiliation("", "", "The first author's name was not found on page 1.")
    author_line, name_x0, name_x1, markers = found
    stop = next(
        (ln.y0 for ln in lines if ln.y0 > author_line.y1 and _STOP.match(ln.text)),
        0.5 * layout.height,
    )
    others = {_fold(a.split()[-1]) for a in authors[1:] if a.split()}
    front = [ln for ln in lines if author_line.y1 - 1 <= ln.y0 < stop and ln is not author_line]
    entries = _entries(front, "front") + _entries(footer, "footnote")

    if markers:
        result = _by_marker(markers, entries, author_line)
        if result is not None:
            return result

    marked = [e for e in entries if e.where == "front" and not _is_note(e.text)]
    if marked:
        names = "; ".join(dict.fromkeys(_tidy(e.text) for e in marked))
        said = (
            f"The first author's marker {', '.join(markers)} leads none of the institutions under the authors"
            if markers
            else "The first author's name carries no marker, but the institutions under the authors are marked"
        )
        return FoundAffiliation("", author_line.text, f"{said}: {names}.")
    next_names = [_name_patterns(a)[0] for a in authors[1:] if a.split()]
    block = _block_under(front, author_line, name_x0, name_x1, others, next_names)
    if block is not None:
        return block
    with_footnote = _is_with_footnote(paragraphs, authors[0])
    if with_footnote is not None:
        return with_footnote
    if last is not None:
        at_end = _end_addresses(last, authors)
        if at_end is not None:
            return at_end
    return FoundAffiliation("", author_line.text, "No institution was found next to the first author's name.")


def _by_marker(markers: list[str], entries: list[_Entry], author_line: Line) -> FoundAffiliation | None:
    """The institutions led by the first author's affiliation markers (a note's marker is skipped).

    An author with two affiliations ("Jonas Weber1,2") has both: picking the first
    would be a guess about which one the reader means, so both are kept, in order."""
    found: list[str] = []
    evidence = [author_line.text]
    for marker in markers:
        hits = [e for e in entries if marker in e.tokens and e.text]
        # "Work done during an internship at X Research" names an institution and is still a note.
        institutions = [e for e in hits if not _is_note(e.text)]
        front = [e for e in institutions if e.where == "front"]
        # A footnote under the same marker as an institution above is something else (code, "also with").
        chosen = front or [e for e in institutions if _INSTITUTION.search(e.text) and not _PROSE.search(e.text)]
        distinct = list(dict.fromkeys(_tidy(e.text) for e in chosen))
        if len(distinct) > 1:
            return FoundAffiliation(
                "",
                author_line.text,
                f"Two candidate institutions carry the first author's marker {marker}: {'; '.join(distinct)}.",
            )
        # An entry that breaks off mid-phrase ("… University of") lost its next line: stored, it would be cut.
        cut = next((e for e in chosen if not e.closed and _BROKEN_OFF.search(e.parts[-1])), None)
        if cut is not None:
            return FoundAffiliation(
                "",
                "\n".join([author_line.text] + [ln.text for ln in cut.lines]),
                f"The first author's institution breaks off at a line end and its next line was not found: {cut.text}.",
            )
        if distinct and distinct[0] not in found:
            found.append(distinct[0])
            # Entries run together in one paragraph share lines: each line once.
            evidence += [ln.text for ln in chosen[0].lines if ln.text not in evidence]
    if not found:
        return None
    return FoundAffiliation("; ".join(found[:3]), "\n".join(evidence))


def _groups(line: Line) -> list[list[Span]]:
    """A row's spans in runs split at gaps wider than a word space (neighbouring author blocks)."""
    out: list[list[Span]] = []
    for span in line.spans:
        if out and span.bbox[0] - out[-1][-1].bbox[2] <= 0.8 * span.size:
            out[-1].append(span)
        else:
            out.append([span])
    return out


def _block_under(
    front: list[Line], author_line: Line, x0: float, x1: float, others: set[str], next_names: list[re.Pattern]
) -> FoundAffiliation | None:
    """The lines right under the first author's name (side-by-side blocks: only the part under the name)."""
    picked: list[tuple[Line, str]] = []
    prev_y1 = author_line.y1
    for ln in front:
        if ln.y0 < author_line.y1 - 1:
            continue
        groups = _groups(ln)
        pieces = [g for g in groups if min(g[-1].bbox[2], x1) - max(g[0].bbox[0], x0) > 0]
        if not pieces and len(groups) == 1 and min(ln.x1, author_line.x1) - max(ln.x0, author_line.x0) > 0:
            # One centred block under a row of names ("A, B and C" / "University of X") is theirs alike.
            pieces = groups
        if not pieces:
            continue
        text = " ".join("".join(s.text for s in g).strip() for g in pieces).strip()
        if not text:
            continue
        if ln.y0 - prev_y1 > 1.0 * ln.height:
            break
        if (_words(text) & others) and (
            not _INSTITUTION.search(text) or any(p.match(_plain(text)[0]) for p in next_names)
        ):
            break  # the next row of authors (ACM journals: "ARASH KARIMI, Sable Research, USA")
        if _EMAIL_OR_URL.search(text) or _is_note(text):
            if picked:
                break
            prev_y1 = ln.y1
            continue
        picked.append((ln, text))
        prev_y1 = ln.y1
        if len(picked) >= 4:
            break
    if not picked or not any(_INSTITUTION.search(t) for _, t in picked):
        return None
    evidence = "\n".join([author_line.text] + [t for _, t in picked])
    organisations = _organisations([t for _, t in picked])
    if len(organisations) > 1:
        return FoundAffiliation(
            "", evidence, f"Two candidate institutions under the first author's name: {'; '.join(organisations)}."
        )
    text = _tidy(_join([t for _, t in picked]))
    return FoundAffiliation(text, evidence) if text else None


def _organisations(lines: list[str]) -> list[str]:
    """The organisations (not their departments) named by an author's lines."""
    out: list[str] = []
    for line in lines:
        for part in re.split(r"[,;]", line):
            part = _tidy(part)
            if part and _ORGANISATION.search(part) and not _UNIT.match(part) and part not in out:
                out.append(part)
    return out


def _paragraphs(footer: list[Line]) -> list[tuple[list[Line], str]]:
    """The footnotes of page 1 with their text, lines joined.

    A line right below continues a footnote unless it starts left of the text above (a new
    footnote's indent) or opens with a bullet; a bulleted item's lines hang under its text.
    """
    paragraphs: list[list[Line]] = []
    for ln in footer:
        if paragraphs:
            first, prev = paragraphs[-1][0], paragraphs[-1][-1]
            hang = _text_x0(first) if _BULLET.match(first.text) else None
            left = max(prev.x0, hang or prev.x0)
            if (
                -0.3 * ln.height <= ln.y0 - prev.y1 < 0.8 * ln.height
                and (hang is None or ln.x0 >= hang - 2)
                and ln.x0 <= left + 2
                and not _BULLET.match(ln.text)
            ):
                paragraphs[-1].append(ln)
                continue
        paragraphs.append([ln])
    out = []
    for para in paragraphs:
        text = ""
        for ln in para:
            t = ln.text.strip()
            text = text[:-1] + t if text.endswith("-") and t[:1].islower() else f"{text} {t}".strip()
        out.append((para, _BULLET.sub("", text)))
    return out


def _text_x0(line: Line) -> float:
    """Where a line's text starts: after a bullet set as a span of its own."""
    spans = line.spans
    if len(spans) > 1 and _BULLET.fullmatch(spans[0].text):
        return next((s.bbox[0] for s in spans[1:] if s.text.strip()), line.x0)
    return line.x0


def _sentence_end(text: str) -> int | None:
    """Where the first sentence of ``text`` ends: at a full stop before a capital, not after an initial or
    an abbreviation ("Univ. Paris", "St. Louis")."""
    for m in re.finditer(r"\.\s+(?=[A-Z])", text):
        if not _ABBREVIATION.search(text[: m.start()]):
            return m.start()
    return None


def _addresses_footnote(paragraphs: list[tuple[list[Line], str]], first_author: str) -> FoundAffiliation | None:
    """ACM journals: "Authors' addresses: A. Author, Department, University, City, Country, email; B. Author, …".

    The entry starts with the author's name as typed, then their address (the e-mail
    anywhere in it); an author with two institutions there is unknown, as everywhere.
    """
    patterns = _name_patterns(first_author)
    for lines, text in paragraphs:
        head = _ADDRESSES.match(text)
        if not head:
            continue
        evidence = "\n".join(ln.text for ln in lines)
        entries = [e.strip() for e in text[head.end() :].split(";")]
        for pattern in patterns:
            for entry in entries:
                plain, where = _plain(entry)
                found = _name_at(entry, plain, where, pattern, set())
                if found is None or found[0] != 0:
                    continue
                place = _tidy(entry[found[1] :])
                if not place:
                    return FoundAffiliation(
                        "", evidence, "The authors' addresses footnote gives the first author none."
                    )
                if len(_organisations([place])) > 1:
                    return FoundAffiliation(
                        "", evidence, f"The first author's address names two institutions: {place}."
                    )
                return FoundAffiliation(place, evidence)
    return None


def _end_addresses(last: PageLayout, authors: list[str]) -> FoundAffiliation | None:
    """amsart: after the references, each author's address, then its labelled lines ("Current address:",
    "Email address:", "URL:"), in the order of the authors.

    The first address is the first author's only when every author has one: with fewer
    addresses than authors, which is whose is a guess.
    """
    paragraphs: list[list[Line]] = []
    for ln in _in_rows([ln for ln in last.lines if ln.role != "furniture"]):
        para = paragraphs[-1] if paragraphs else None
        # Each address and each label opens indented, as a paragraph; its wrapped lines are flush left.
        if para is not None and -0.3 * ln.height <= ln.y0 - para[-1].y1 < 0.8 * ln.height and ln.x0 < para[0].x0 - 2:
            para.append(ln)
        else:
            paragraphs.append([ln])
    labelled = [k for k, para in enumerate(paragraphs) if _END_LABEL.match(para[0].text)]
    if not labelled or labelled[0] == 0:
        return None
    first = labelled[0] - 1
    # The addresses share one font (amsart's small capitals), not the references' above them: a
    # first author without an address leaves a reference's last line before the first label.
    font = paragraphs[first][0].spans[0].font
    if re.match(r"\[\d+\]|\d+\.\s", paragraphs[first][0].text) or (
        first > 0 and paragraphs[first - 1][-1].spans[-1].font == font
    ):
        return None
    addresses = [first] + [
        k
        for k in range(first + 1, len(paragraphs))
        if k not in labelled
        and paragraphs[k][0].spans[0].font == font
        and not re.fullmatch(r"[\d\s\-–]+", paragraphs[k][0].text)
    ]
    evidence = "\n".join(ln.text for k in addresses for ln in paragraphs[k])
    place = _tidy(_join([ln.text for ln in paragraphs[first]]))
    if not place or not _INSTITUTION.search(place):
        return None
    if len(addresses) != len(authors):
        return FoundAffiliation(
            "",
            evidence,
            f"The last page lists {len(addresses)} address(es) for {len(authors)} authors: "
            f"which is the first author's is not said. The first: {place}.",
        )
    if len(_organisations([place])) > 1:
        return FoundAffiliation("", evidence, f"The first author's address names two institutions: {place}.")
    return FoundAffiliation(place, evidence)


def _is_with_footnote(paragraphs: list[tuple[list[Line], str]], first_author: str) -> FoundAffiliation | None:
    """IEEE journals: "A. Author and B. Author are with the Department of X, University of Y, City (e-mail: …)".

    The sentence runs over line breaks to its end, the e-mail address or the next author's "and with".
    """
    surname = _fold(first_author.split()[-1])
    for para, text in paragraphs:
        for m in re.finditer(r"\b(?:is|are|was|were)\s+(?:also\s+)?with\s+(?:the\s+)?", text):
            # The sentence before "are with": split at sentence ends, not at initials ("O. Brandt").
            who = re.split(r";|(?<=[a-z\d][a-z\d])\.\s+", text[: m.start()])[-1]
            # "The authors are with …" speaks for every author, the first included.
            if surname not in _words(who) and not re.search(r"\b(?:the|all)\s+authors\b", who, re.I):
                continue
            rest = text[m.end() :]
            end = re.search(
                r",?\s+and\s+(?:also\s+)?with\b|,?\s+(?:and\s+)?(?:is|are)\s+(?:now|currently)\b|,?\s+on\s+leave\b|"
                # "was with X, when this work was done" / "while on sabbatical"
                r",?\s+(?:when|while|during|until|since)\b|"
                r"\s*\(|;|\.\s*$|\.\s+(?=(?:[A-Z]\.\s*)+[A-Z][a-z]+)|\.\s+(?=[A-Z][a-z]+ (?:is|are|was)\b)",
                rest,
            )
            rest = rest[: end.start()] if end else rest
            sentence = _sentence_end(rest)
            place = _tidy(rest[:sentence] if sentence is not None else rest)
            if place and _INSTITUTION.search(place):
                return FoundAffiliation(place, "\n".join(ln.text for ln in para))
    return None
