"""Locate figure and table regions from their captions.

For each "Figure N" / "Fig. N" / "Table N" caption the region is grown from the
drawings and images next to it, stopping at body text: first on the side the
page shows (a table's rules and rows next to its caption; else the side the
page's other tables show, below by default; a figure above), then the other
side, the other column when a caption opens a column, then beside. A region is
claimed once: it may hold no other float's caption nor another's region.
Text inside that area (axis labels, panel titles) joins the region, so a
multi-panel figure comes out as one picture.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

import pymupdf

from papers.text import CAPTION_LABEL

from .body import join_lines
from .layout import Line, PageLayout, Span, is_table_row, joined, same_row

CAPTION = CAPTION_LABEL
MAX_GAP = 28.0  # points between caption and figure, or between parts of one figure
MIN_W, MIN_H = 40.0, 25.0
TABLE_ROW_GAP = 6.0  # points between a table's rows; a wider gap ends the table


@dataclass
class FoundFigure:
    page: int  # 0-based
    kind: str  # figure | table
    label: str
    caption: str
    rect: pymupdf.Rect
    seq: int  # the caption's place in the page's reading order

    @property
    def fingerprint(self) -> str:
        return figure_fingerprint(kind=self.kind, label=self.label, caption=self.caption)


def figure_fingerprint(*, kind: str, label: str, caption: str) -> str:
    """Identify "the same figure" across re-processing, whatever its pixels or position."""
    norm = re.sub(r"[^a-z0-9]+", " ", caption.lower()).strip()[:300]
    return hashlib.sha256(f"{kind}|{label.lower()}|{norm}".encode()).hexdigest()[:40]


def caption_label(line: Line) -> tuple[str, str] | None:
    """Return (kind, label) when the line opens a caption."""
    m = CAPTION.match(line.text)
    if not m:
        return None
    # What follows the number, not just the separator the pattern matched
    # (that is bare whitespace before "shows" too).
    after = line.text[m.end("num") :]
    if not re.match(r"\s*[:.|]|\s*$", after) and (re.match(r"\s*[a-z]", after) or not _bold_label(line, m.end("num"))):
        # "Table 2 shows ...": a label and then a word is prose unless the label is
        # set apart in bold before a capital ("Fig. 1 Overview", Springer's style).
        return None
    word = m.group("word").lower()
    kind = "table" if word.startswith("tab") else "figure"
    return kind, f"{'Table' if kind == 'table' else 'Figure'} {m.group('num')}"


def _bold_label(line: Line, end: int) -> bool:
    """Is the label (the first ``end`` characters) bold while the words after it are not all bold too?"""
    if not line.spans or not line.spans[0].bold:
        return False
    seen, after = 0, []
    for span in line.spans:
        if seen >= end and span.text.strip():
            after.append(span)
        seen += len(span.text) if seen else len(span.text.lstrip())
    # A line bold from end to end is a bold paragraph or heading that happens to start with the word.
    return not after or not all(span.bold for span in after)


def _label_only(line: Line) -> bool:
    """The line is the caption's label and nothing else ("TABLE I", "Fig. 4.")."""
    m = CAPTION.match(line.text)
    return bool(m) and not line.text[m.end("num") :].strip(" :.|")


def caption_lines(
    start: Line,
    ordered: list[Line],
    index: int,
    body_size: float | None = None,
    column: tuple[float, float] | None = None,
) -> list[Line]:
    """Return the caption's lines: the opening line and its paragraph continuation.

    A continuation line starts where the caption does, where its text does after
    the label (a hanging caption), or is centred under the line above; a table's
    header row right under its caption does neither. The caption ends at its
    paragraph's short last line, at a gap wider than its own line spacing, at a
    change of font size, and at the body text's size when the caption has its own.
    Lines beside the caption (the other caption of a pair of minipages) are passed over.
    A line centred under the one above continues only a wrapped line (one as wide
    as the ``column`` it may fill, not ending a sentence) or an IEEE label alone:
    a table's header row is centred under a short caption too.
    """
    out = [start]
    prev = start
    edges = _caption_edges(start)
    lane = _lane(start, ordered)
    room = None if column is None else min(column[1], lane[1]) - max(column[0], lane[0])
    titled = _label_only(start)  # IEEE: "TABLE I" alone, the title on the next line(s)
    pitch: float | None = None
    own_size = body_size is not None and abs(start.size - body_size) > 0.4
    under = max(lane[0], start.x0), min(lane[1], start.x1)
    for k in range(index + 1, len(ordered)):
        line = ordered[k]
        if line.x0 >= under[1] - 1 or line.x1 <= under[0] + 1:
            continue  # beside the caption (another caption, the text round a wrapfigure), not under it
        if same_row(line, prev):
            # A piece of the row MuPDF kept apart (a formula in another size) follows it.
            near = 0 <= line.x0 - out[-1].x1 <= 2.5 * max(prev.size, 6)
            if line.role == "body" and line.col == prev.col and near:
                out.append(line)
            continue
        if _split_row(line, ordered, k, under):
            break
        aligned = any(abs(line.x0 - x) <= 2.5 for x in edges)
        centred = abs((line.x0 + line.x1) - (prev.x0 + prev.x1)) <= 5
        if not (aligned or centred):
            break
        if not aligned and not (titled and prev is start) and not _wrapped(prev, room):
            break
        # A page-wide caption's short last line falls in the left column; it still continues.
        wraps = prev.col == -1 and line.col == 0 and abs(line.x0 - start.x0) <= 2
        if (line.col != prev.col and not wraps) or line.role in ("caption", "heading"):
            break
        gap = line.y0 - prev.y1
        if titled and prev is start:
            # The title may be set in smaller (small) caps and a little further down.
            if gap > 1.2 * max(prev.size, 6) or gap < -2 or not 0.6 * prev.size <= line.size <= prev.size + 0.8:
                break
        elif gap > 0.6 * max(prev.size, 6) or gap < -2 or abs(line.size - prev.size) > 0.8:
            break
        if own_size and abs(line.size - body_size) <= 0.3 and abs(line.size - prev.size) > 0.3:
            break
        # Top and bottom edges both: a tall formula moves one of them, not the line.
        step = min(line.y0 - prev.y0, line.y1 - prev.y1)
        if pitch is not None and step > pitch + max(1.5, 0.2 * prev.size):
            break
        if _paragraph_end(prev, line):
            break
        if caption_label(line):
            break
        # The pitch is learnt from steps whose edges agree: a superscript raising a line's
        # top (or a subscript its bottom) makes one step look short, and the next normal one too long.
        if not (titled and prev is start) and abs((line.y0 - prev.y0) - (line.y1 - prev.y1)) <= 0.5:
            pitch = step if pitch is None else min(pitch, step)
        out.append(line)
        prev = line
        if len(out) >= 12:
            break
    return out


def _split_row(line: Line, ordered: list[Line], index: int, under: tuple[float, float]) -> bool:
    """Is the line the first cell of a table row that MuPDF read as pieces (a header row with math in it)?

    A cell in another font (a symbol such as $\\tau$) is enough for MuPDF to
    make each cell a line of its own; joined, the row's gaps tell it is no caption line.
    """
    row = line
    for other in ordered[index + 1 :]:
        if not same_row(other, line):
            break
        if other.role == "body" and other.col == line.col and under[0] - 1 <= other.x0 and other.x1 <= under[1] + 1:
            row = joined(row, other)
    return row is not line and is_table_row(row)


def _wrapped(line: Line, room: float | None) -> bool:
    """Did the caption's paragraph go on past this line (it fills its room and ends no sentence)?"""
    if room is None:
        return True
    return line.width >= 0.75 * room and not re.search(r"[.!?][)\]'\"”’]*$", line.text)


def _lane(start: Line, ordered: list[Line]) -> tuple[float, float]:
    """The x range a caption may continue in: up to another caption opening on its row."""
    # Lines off the caption's height are passed over before the pattern is tried on them.
    openers = (o for o in ordered if o.y0 < start.y1 and o.y1 > start.y0 and CAPTION.match(o.text))
    return _row_edges(start, openers)


def _row_edges(box: Line | pymupdf.Rect, others) -> tuple[float, float]:
    """The nearest edges of the ``others`` on the box's row: the right edge of one to its left, the left of one to its right."""
    lo, hi = float("-inf"), float("inf")
    for other in others:
        if other is box or not same_row(other, box):
            continue
        if other.x0 >= box.x1 - 1:
            hi = min(hi, other.x0)
        elif other.x1 <= box.x0 + 1:
            lo = max(lo, other.x1)
    return lo, hi


def _paragraph_end(prev: Line, line: Line) -> bool:
    """Does ``prev`` close a paragraph: a sentence's end well short of the line below it?

    A caption is one paragraph; an aligned paragraph right under it (a float
    pulled up with negative space) starts after such a line.
    """
    return bool(re.search(r"[.!?][)\]'\"”’]*$", prev.text)) and prev.x1 < line.x1 - 1.5 * max(prev.size, 6)


def _caption_edges(start: Line) -> list[float]:
    """Where a caption's lines may start: its own left edge, and where its text starts after the label."""
    edges = [start.x0]
    m = CAPTION.match(start.text)
    seen = ""
    for span in start.spans:
        if m and len(seen.strip()) >= m.end() and span.text.strip():
            edges.append(span.bbox[0])
            break
        seen += span.text
    return edges


Caption = tuple[str, str, list[Line], int]  # kind, label, its lines, place in reading order


def may_hold_figures(layout: PageLayout) -> bool:
    """True when a line of the page could open a caption (worth keeping its display list)."""
    return any(CAPTION.match(ln.text) for ln in layout.lines)


def find_captions(
    ordered: list[Line], body_size: float | None = None, layout: PageLayout | None = None
) -> list[Caption]:
    """Find the captions among a page's body lines in reading order, and mark their lines.

    ``ordered`` (and ``layout.lines``) may change: a row holding two side-by-side
    captions is split in two, and a label that MuPDF set apart from its
    caption's first words (baseline jitter) is joined to them.
    """
    _split_caption_rows(ordered, layout)
    _join_jittered_labels(ordered, layout)
    labelled = [
        (i, ln, found)
        for i, ln in enumerate(ordered)
        if ln.role == "body" and (found := caption_label(ln)) and not _continues_prose(ordered, i, layout)
    ]
    largest = max((ln.size for _i, ln, _found in labelled if not _tiny(ln, body_size)), default=0.0)
    captions: list[Caption] = []
    for i, line, found in labelled:
        if line.role != "body":  # taken into an earlier caption
            continue
        if _inner_text(line, body_size, largest, layout):
            continue
        column = layout.column_range(line.col) if layout is not None else None
        lines = caption_lines(line, ordered, i, body_size, column)
        for ln in lines:
            ln.role = "caption"
        captions.append((found[0], found[1], lines, i))
    return captions


def _continues_prose(ordered: list[Line], index: int, layout: PageLayout | None = None) -> bool:
    """Is the line the next line of a sentence ("... are collected in" / "Table 2. They ...")?

    A caption starts a paragraph of its own; the line above a caption is no
    sentence running on at the same size, edge and line spacing, filling its
    column as a wrapped line does (a figure's axis title above its caption does not).
    """
    if index == 0:
        return False
    line, prev = ordered[index], ordered[index - 1]
    if prev.role != "body" or prev.col != line.col or abs(prev.size - line.size) > 0.3:
        return False
    if layout is not None:
        c0, c1 = layout.column_range(line.col)
        if prev.width < 0.7 * (c1 - c0):
            return False
    gap = line.y0 - prev.y1
    if not -1 <= gap <= 0.45 * max(line.size, 6):
        return False
    if not line.x0 - 2 <= prev.x0 <= line.x0 + 3 * line.size:  # aligned, or a paragraph's indented first line
        return False
    return bool(re.search(r"[a-z][,;]?$", prev.text))


def _inner_text(line: Line, body_size: float | None, largest: float, layout: PageLayout | None) -> bool:
    """Is the "caption" text inside a figure: a screenshot of a page with captions of its own?

    Such text is much smaller than the document's captions, or sits inside a
    drawn frame or image with more of it above and below. A frame round a whole
    float (caption included) ends just under or over its caption; a box behind
    the page's own text (a column's background, a highlighted passage) holds
    body-size lines and is no picture.
    """
    if _tiny(line, body_size) or line.size < 0.75 * largest:
        return True
    if layout is None:
        return False
    margin = 2 * line.height
    for x0, y0, x1, y1 in [*layout.vector_boxes, *(tuple(r) for r in layout.images)]:
        if y1 - y0 > 0.6 * layout.height or x1 - x0 > 0.95 * layout.width:
            continue  # a page or column background, a page border
        if not (x0 - 1 <= line.x0 and line.x1 <= x1 + 1 and y0 < line.y0 - margin and line.y1 + margin < y1):
            continue
        inside = [
            ln
            for ln in layout.lines
            if x0 <= (ln.x0 + ln.x1) / 2 <= x1 and y0 <= (ln.y0 + ln.y1) / 2 <= y1 and ln.role == "body"
        ]
        if body_size is None or sum(abs(ln.size - body_size) <= 0.3 for ln in inside) < 3:
            return True
    return False


def _tiny(line: Line, body_size: float | None) -> bool:
    # Captions are set at most a few points under the body (IEEE: 8 on 10 pt).
    return bool(body_size) and line.size < 0.7 * body_size


def _split_caption_rows(ordered: list[Line], layout: PageLayout | None) -> None:
    """Split rows where a second caption opens after a wide gap (two minipages' captions read as one line).

    The rows under such a row are split where they have a gap across the same place.
    """
    for line in list(ordered):
        k = _caption_cut(line)
        if k is None:
            continue
        left, right = _sub_line(line, line.spans[:k]), _sub_line(line, line.spans[k:])
        _replace(ordered, layout, line, [left, right])
        bottom = line.y1
        below = sorted((ln for ln in ordered if ln.y0 > line.y0 + 1 and ln.col == line.col), key=lambda ln: ln.y0)
        for row in below:
            if row.y0 - bottom > 1.5 * max(line.size, 6):
                break
            bottom = max(bottom, row.y1)
            for j in range(1, len(row.spans)):
                end, begin = row.spans[j - 1].bbox[2], row.spans[j].bbox[0]
                if end < right.x0 and begin > left.x1 - 1 and begin - end >= 0.8 * max(row.size, 6):
                    _replace(ordered, layout, row, [_sub_line(row, row.spans[:j]), _sub_line(row, row.spans[j:])])
                    break


def _caption_cut(line: Line) -> int | None:
    """Index of the span that opens a second caption after a wide gap, when the line opens one too."""
    if len(line.spans) < 2 or not CAPTION.match(line.text):
        return None
    for k in range(1, len(line.spans)):
        if line.spans[k].bbox[0] - line.spans[k - 1].bbox[2] < 0.8 * max(line.size, 6):
            continue
        if re.match(r"\s*(Fig|FIG|Tab|TAB)", line.spans[k].text) and caption_label(_sub_line(line, line.spans[k:])):
            return k
    return None


def _join_jittered_labels(ordered: list[Line], layout: PageLayout | None) -> None:
    """Join a caption's label to the words MuPDF read as another line of the same row.

    Word processors write "Fig. 4." and the caption after a tab as separate text;
    a baseline a point apart is enough for MuPDF to make two lines of them, and
    the words, set higher, then come before their label in reading order.
    """
    for line in list(ordered):
        if line.role != "body" or not _label_only(line):
            continue
        size = max(line.size, 6)
        mates = [
            o
            for o in ordered
            if o is not line
            and o.role == "body"
            and o.col == line.col
            and abs(o.size - line.size) <= 0.5
            and -1 <= o.x0 - line.x1 <= 3 * size
            and min(o.y1, line.y1) - max(o.y0, line.y0) >= 0.3 * min(o.height, line.height)
            and not CAPTION.match(o.text)
        ]
        if not mates:
            continue
        mate = min(mates, key=lambda o: o.x0)
        spans = [*line.spans[:-1], replace(line.spans[-1], text=line.spans[-1].text.rstrip() + " "), *mate.spans]
        joined = _sub_line(line, spans)
        _replace(ordered, layout, mate, [])
        _replace(ordered, layout, line, [joined])


def _sub_line(line: Line, spans: list[Span]) -> Line:
    text = "".join(s.text for s in spans).strip()
    bbox = (
        min(s.bbox[0] for s in spans),
        min(s.bbox[1] for s in spans),
        max(s.bbox[2] for s in spans),
        max(s.bbox[3] for s in spans),
    )
    bold = sum(len(s.text.strip()) for s in spans if s.bold) >= 0.6 * max(1, sum(len(s.text.strip()) for s in spans))
    sizes: dict[float, int] = {}
    for s in spans:
        sizes[round(s.size, 1)] = sizes.get(round(s.size, 1), 0) + len(s.text.strip())
    return replace(line, bbox=bbox, text=text, bold=bold, spans=list(spans), size=max(sizes, key=sizes.__getitem__))


def _replace(ordered: list[Line], layout: PageLayout | None, old: Line, new: list[Line]) -> None:
    for lines in (ordered, layout.lines if layout is not None else None):
        if lines is None:
            continue
        for k, ln in enumerate(lines):
            if ln is old:
                lines[k : k + 1] = new
                break


def find_figures(
    layout: PageLayout, ordered: list[Line], captions: list[Caption], body_size: float, body_font: str = ""
) -> tuple[list[FoundFigure], list[Caption]]:
    """Find the region each caption describes, from the page's graphics (``layout.read_graphics``).

    Every region is claimed once: a region that holds another float's caption
    or overlaps a region already claimed is refused, and the caption tries its
    next direction; a caption left without a region is tried again once the
    others are placed. Returns the figures found and the captions left without a region.
    """
    if not captions:
        return [], []
    captions = [_without_table_rows(c) for c in captions]
    elements, blockers, weak = _page_parts(layout, ordered, body_size)
    labels = _label_lines(layout, ordered)
    caps = [_caption_rect(c[2]) for c in captions]
    sides = [
        _directions(kind, caps[i], _caption_column(lines), layout, elements, ordered, lines)
        for i, (kind, _label, lines, _seq) in enumerate(captions)
    ]
    limits = _shared_gap_limits(captions, layout, elements, weak, sides)
    votes = [side for side, c in zip(sides, captions) if side and c[0] == "table"]
    usual = max(("below", "above"), key=votes.count) if votes else None
    # A "caption" inside a picture (a screenshot of a paper) bounds no other float.
    real = [not any(e.contains(pymupdf.Point((c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2)) for e in elements) for c in caps]
    claimed: list[pymupdf.Rect] = []
    placed: dict[int, FoundFigure] = {}
    pending = list(range(len(captions)))
    for _round in range(2):
        refused: list[int] = []
        for index in pending:
            kind, label, lines, seq = captions[index]
            cap = caps[index]
            col = _caption_column(lines)
            own = [b for b in blockers if b not in lines]
            top, bottom = limits.get(index, (float("-inf"), float("inf"))) if _round == 0 else (-1e9, 1e9)
            free = [
                e
                for e in elements
                if top <= (e.y0 + e.y1) / 2 <= bottom and not any(_overlap_ratio(e, t) > 0.5 for t in claimed)
            ]
            others = [r for j, r in enumerate(caps) if j != index and real[j]]
            # Label text too stays on its float's side of a shared gap: a table's header row
            # is label-sized and would chain the region into the float below.
            near = labels if index not in limits else [ln for ln in labels if top <= (ln.y0 + ln.y1) / 2 <= bottom]
            rect = None
            order = _order(kind, sides[index], usual)
            lane = _caption_lane(cap, caps, lines, ordered)
            for grown in _candidates(kind, cap, col, layout, free, own, weak, order, lane):
                done = _finish(grown, near, lines, own, (body_size, body_font), layout)
                if done is not None and not _clashes(done, others, claimed):
                    rect = done
                    break
            if rect is None:
                refused.append(index)
                continue
            claimed.append(rect)
            placed[index] = FoundFigure(layout.index, kind, label, _caption_text(lines), rect, seq)
        if not refused or len(refused) == len(pending):
            pending = refused
            break
        pending = refused
    out = [placed[i] for i in sorted(placed)]
    return out, [captions[i] for i in pending]


def _caption_lane(
    cap: pymupdf.Rect, caps: list[pymupdf.Rect], lines: list[Line], ordered: list[Line]
) -> tuple[float, float]:
    """Side-by-side floats (two minipages): a caption with another on its row grows only
    on its own side of the gap between them, so each float gets its own picture.

    A float the text wraps round (a wrapfigure) has prose on its caption's rows:
    it grows only on its own side of that text, which would otherwise bound it
    from above and below wherever \\vspace pulls the float against it.
    """
    lo, hi = _row_edges(cap, caps)
    # The middle of each gap; without a neighbour the side stays open (an infinity halved).
    lo, hi = (lo + cap.x0) / 2, (cap.x1 + hi) / 2
    top, bottom = cap.y0, cap.y1
    # Plain floats first: this looks at every line of the page for every caption.
    rows = [o for o in ordered if o.y0 < bottom and o.y1 > top and o.role == "body"]
    for line in lines:
        beside = (o for o in rows if o.col == line.col and same_row(o, line) and _is_prose(o))
        left, right = _row_edges(line, beside)
        lo, hi = max(lo, left), min(hi, right)
    return lo, hi


def _without_table_rows(caption: Caption) -> Caption:
    """A table's header row centred under a one-line caption is the table's, not the caption's."""
    kind, label, lines, seq = caption
    if kind != "table":
        return caption
    keep = len(lines)
    while keep > 1 and is_table_row(lines[keep - 1]):
        keep -= 1
    if keep == len(lines):
        return caption
    for ln in lines[keep:]:
        ln.role = "body"
    return kind, label, lines[:keep], seq


def _clashes(rect: pymupdf.Rect, captions: list[pymupdf.Rect], claimed: list[pymupdf.Rect]) -> bool:
    """Does the region hold another float's caption, or a region another float has claimed?"""
    for c in captions:
        inter = rect & c
        if not inter.is_empty and abs(inter) > 0.3 * abs(c):
            return True
    for t in claimed:
        inter = rect & t
        # A drawing cluster may hold a neighbour's last rule (floats squeezed
        # together): a sliver shared at the border is no claim on the region.
        if not inter.is_empty and abs(inter) > 0.4 * min(abs(t), abs(rect)):
            return True
    return False


def _directions(
    kind: str,
    cap: pymupdf.Rect,
    col: int,
    layout: PageLayout,
    elements: list[pymupdf.Rect],
    ordered: list[Line],
    lines: list[Line],
) -> str | None:
    """The side of the caption its float is on, from what touches the caption on each side; None if unclear.

    A table sits next to its rules and rows (below its caption in most CS
    styles, above in some ACL papers): the one side with a rule or a table row
    next to the caption. Tables stacked in a column have rules on both sides
    of a caption between them: unclear (the page's other tables decide). A
    figure is above its caption unless prose is right above and graphics right below.
    """
    x0, x1 = _band(col, layout)
    reach = 2.0 * max(cap.height / max(len(lines), 1), 8.0)
    tabular = {"above": False, "below": False}
    prose = {"above": False, "below": False}
    graphic = {"above": False, "below": False}
    for e in elements:
        if cap.y0 - reach <= e.y1 <= cap.y0 + 2:
            side = "above"
        elif cap.y1 - 2 <= e.y0 <= cap.y1 + reach:
            side = "below"
        else:
            continue
        if not _in_band(e, x0, x1):
            continue
        graphic[side] = True
        if e.height <= 2 and e.width >= 0.3 * cap.width:
            tabular[side] = True
    top, bottom = cap.y0, cap.y1
    for ln in ordered:
        # Plain floats first: this looks at every line of the page for every caption.
        if top - reach <= ln.y1 <= top + 1:
            side = "above"
        elif bottom - 1 <= ln.y0 <= bottom + reach:
            side = "below"
        else:
            continue
        if min(ln.x1, x1) - max(ln.x0, x0) < 0.5 * (ln.x1 - ln.x0) or ln in lines:
            continue
        if is_table_row(ln):
            tabular[side] = True
        elif _is_prose(ln) and ln.role == "body":
            prose[side] = True
    if kind == "table":
        if tabular["above"] != tabular["below"]:
            return "above" if tabular["above"] else "below"
        return None
    if prose["above"] and graphic["below"] and not graphic["above"]:
        return "below"
    return None


def _order(kind: str, side: str | None, usual: str | None) -> tuple[str, ...]:
    """Directions to try: the side the page shows, else the side the page's other tables show."""
    if kind == "table":
        return ("above", "below") if (side or usual) == "above" else ("below", "above")
    if side == "below":
        return ("below", "above", "other-column", "beside")
    return ("above", "other-column", "beside", "below")


def opens_page(caption: Caption, layout: PageLayout, ordered: list[Line]) -> bool:
    """Is the caption the first thing in its column, in the top part of its page?"""
    lines = caption[2]
    cap = _caption_rect(lines)
    if cap.y0 > 0.3 * layout.height:
        return False
    x0, x1 = _band(_caption_column(lines), layout)
    return not any(
        ln.y1 <= cap.y0 + 1 and min(ln.x1, x1) - max(ln.x0, x0) > 0.3 * ln.width for ln in ordered if ln not in lines
    )


def find_figure_before(
    layout: PageLayout,
    ordered: list[Line],
    caption: Caption,
    found: list[FoundFigure],
    body_size: float,
    body_font: str = "",
) -> FoundFigure | None:
    """The figure at the foot of this page that a caption opening the next page describes.

    Grown upwards from the bottom of the caption's column band, as if the caption
    sat under the page, through drawings no other figure of the page holds.
    """
    kind, label, lines, seq = caption
    if kind != "figure":
        return None
    elements, blockers, weak = _page_parts(layout, ordered, body_size)
    elements = [e for e in elements if not any(_overlap_ratio(e, f.rect) > 0.5 for f in found)]
    x0, x1 = _band(_caption_column(lines), layout)
    foot = pymupdf.Rect(x0, 0.94 * layout.height, x1, 0.94 * layout.height + 1)
    rect = _grow(foot, x0, x1, elements, blockers, up=True, weak=weak)
    labels = _label_lines(layout, ordered)
    rect = _finish(rect, labels, [], blockers, (body_size, body_font), layout) if rect is not None else None
    if rect is None:
        return None
    # After the page's own figures in reading order: the caption comes later.
    return FoundFigure(layout.index, kind, label, _caption_text(lines), rect, 10_000 + seq)


def _page_parts(
    layout: PageLayout, ordered: list[Line], body_size: float
) -> tuple[list[pymupdf.Rect], list[Line], list[Line]]:
    """The page's graphics outside the margins, the body text that bounds a figure, and the rest."""
    elements = [pymupdf.Rect(r) for r in layout.graphics + layout.images]
    elements = [r for r in elements if not _in_margin(r, layout)]
    boxes = [tuple(e) for e in elements]
    blockers = [ln for ln in ordered if _is_blocker(ln, boxes, body_size, layout)]
    blocking = {id(ln) for ln in blockers}
    # Body lines that do not block: a table's rows, text between parts of a figure.
    weak = [ln for ln in ordered if ln.role == "body" and id(ln) not in blocking]
    return elements, blockers, weak


def _label_lines(layout: PageLayout, ordered: list[Line]) -> list[Line]:
    # Rotated text (a y-axis title) is no body line, but it is part of the figure beside it.
    return ordered + [ln for ln in layout.lines if ln.role == "figure-text"]


def _caption_column(lines: list[Line]) -> int:
    return lines[0].col if all(ln.col == lines[0].col for ln in lines) else -1


def _caption_text(lines: list[Line]) -> str:
    parts = [_cased(ln) for ln in lines]
    if len(parts) > 1 and _label_only(lines[0]) and not re.search(r"[:.|]$", parts[0]):
        # IEEE's "TABLE I" over its title reads "TABLE I: Title".
        parts[0] += ":"
    # A caption keeps its real hyphens at line ends ("held-" + "out") as the body does.
    return re.sub(r"\s+", " ", join_lines(parts)).strip()[:2000]


def _cased(line: Line) -> str:
    """The line's text, small capitals back in lower case ("S" + "UCCESS" in a smaller size -> "Success").

    Only for a line whose letters are all capitals in two sizes: an acronym set
    smaller inside ordinary text stays as it is.
    """
    letters = [c for c in line.text if c.isalpha()]
    sizes = {round(s.size, 1) for s in line.spans if any(c.isalpha() for c in s.text)}
    if len(sizes) != 2 or not letters or not all(c.isupper() for c in letters):
        return line.text
    small, big = sorted(sizes)
    if not 0.65 * big <= small <= 0.9 * big:
        return line.text
    return "".join(s.text.lower() if round(s.size, 1) == small else s.text for s in line.spans).strip()


def _finish(
    rect: pymupdf.Rect,
    labels: list[Line],
    caption: list[Line],
    blockers: list[Line],
    body: tuple[float, str],
    layout: PageLayout,
) -> pymupdf.Rect | None:
    """Take in the labels, pad; None for a region too small or too close to the whole page."""
    grown = _labels_inside(rect, labels, caption, blockers, *body)
    rect = _pad(grown, layout)
    if caption:
        # The padding never reaches into the caption's letters (a table's top rule
        # can sit inside the caption line's descender space).
        cap = _caption_rect(caption)
        if cap.y1 <= (grown.y0 + grown.y1) / 2:
            rect.y0 = max(rect.y0, min(grown.y0, cap.y1))
        else:
            rect.y1 = min(rect.y1, max(grown.y1, cap.y0))
    _clear_of_lines(rect, grown, layout.lines)
    if rect.width < MIN_W or rect.height < MIN_H or abs(rect) > 0.8 * layout.width * layout.height:
        return None
    return rect


def _clear_of_lines(rect: pymupdf.Rect, grown: pymupdf.Rect, lines: list[Line]) -> None:
    """Move a padded top or bottom edge that cuts through a text line back into the gap beyond it.

    The padding (or a label's reach) can take the region's edge into the line
    above or below the figure: the crop would show a sliver of its glyphs (the
    descenders of the body text over a plot). Such a line is never part of the
    region (a line taken in lies inside ``grown``), so the edge goes to the
    middle of the gap between the line and the region's content, never into
    that content.
    """
    top, bottom = rect.y0, rect.y1
    for ln in lines:
        x0, y0, x1, y1 = ln.bbox
        if x0 >= x1 or y0 >= y1 or min(x1, rect.x1) - max(x0, rect.x0) <= 0:
            continue
        if y0 < rect.y0 < y1:
            top = max(top, (y1 + grown.y0) / 2 if y1 < grown.y0 else grown.y0)
        if y0 < rect.y1 < y1:
            bottom = min(bottom, (y0 + grown.y1) / 2 if y0 > grown.y1 else grown.y1)
    rect.y0, rect.y1 = top, bottom


def _in_margin(r: pymupdf.Rect, layout: PageLayout) -> bool:
    return r.y1 < 0.06 * layout.height or r.y0 > 0.94 * layout.height


def _is_prose(line: Line) -> bool:
    text = line.text
    words = text.split()
    if len(words) < 5:
        return False
    letters = sum(map(str.isalpha, text))
    visible = sum(map(len, words)) or 1
    return letters >= 0.6 * visible


def _is_blocker(line: Line, elements: list[tuple], body_size: float, layout: PageLayout) -> bool:
    """Body text, headings and other captions bound a figure; labels inside a drawing do not."""
    if line.role in ("furniture", "gutter", "figure-text"):
        return False
    if line.role in ("caption", "heading"):
        return True
    if line.size < body_size - 0.6:
        return False
    c0, c1 = layout.column_range(line.col)
    # A table's header row (or a long row of words) reads as prose by its letters; its gaps tell.
    if line.width < 0.5 * (c1 - c0) or not _is_prose(line) or is_table_row(line):
        return False
    if _aligned_cells(line, layout.lines):
        return False
    # Last: the page's drawings are many, and most lines are already decided.
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return not any(e[0] - 1 <= cx <= e[2] + 1 and e[1] - 1 <= cy <= e[3] + 1 for e in elements)


def _cell_starts(line: Line) -> list[float]:
    """Where the line's pieces start after a gap wider than a word space (half an em)."""
    em = max(line.size, 1.0)
    return [b.bbox[0] for a, b in zip(line.spans, line.spans[1:]) if b.bbox[0] - a.bbox[2] >= 0.5 * em]


def _aligned_cells(line: Line, lines: list[Line]) -> bool:
    """Is the line a table row whose cells stand only about an em apart (a wide text cell)?

    Its gaps alone do not tell it from a stretched line of prose; a cell starting
    where a piece of the row above or below starts does: a table's columns line up.
    """
    starts = _cell_starts(line)
    if not starts:
        return False
    reach = 1.5 * max(line.height, 1.0)
    for other in lines:
        if (
            other is line
            or other.col != line.col
            or not (-1 <= line.y0 - other.y1 <= reach or -1 <= other.y0 - line.y1 <= reach)
        ):
            continue
        if any(abs(x - s) <= 1 for x in (other.x0, *_cell_starts(other)) for s in starts):
            return True
    return False


def _band(col: int, layout: PageLayout) -> tuple[float, float]:
    return layout.column_range(col)


def _in_band(r: pymupdf.Rect, x0: float, x1: float) -> bool:
    inside = min(r.x1, x1) - max(r.x0, x0)
    return r.width <= 0 and x0 <= r.x0 <= x1 or inside >= 0.5 * max(r.width, 0.1)


def _caption_rect(lines: list[Line]) -> pymupdf.Rect:
    # pymupdf's union in plain floats (a Rect per line was most of this): an empty box
    # adds nothing, and an empty start is replaced.
    x0, y0, x1, y1 = lines[0].bbox
    for ln in lines[1:]:
        a0, b0, a1, b1 = ln.bbox
        if a0 >= a1 or b0 >= b1:
            continue
        if x0 >= x1 or y0 >= y1:
            x0, y0, x1, y1 = a0, b0, a1, b1
        else:
            x0, y0, x1, y1 = min(x0, a0), min(y0, b0), max(x1, a1), max(y1, b1)
    return pymupdf.Rect(x0, y0, x1, y1)


def _shared_gap_limits(
    captions: list[Caption],
    layout: PageLayout,
    elements: list[pymupdf.Rect],
    weak: list[Line],
    sides: list[str | None],
) -> dict[int, tuple[float, float]]:
    """Split the space between a table caption and a caption below it whose float is above it.

    A table grows down from its caption and a figure grows up from its own, so
    when a figure sits right under a table both would claim everything between
    the two captions. So does a table captioned below, stacked under a table
    captioned above (AAAI): its caption has neither rules nor rows right under
    it. A table is one tight block of rules, rows and notes under its caption;
    the border is the middle of the first real gap after that block (a figure
    may have wider gaps inside it, so the widest gap is no guide).
    """
    limits: dict[int, tuple[float, float]] = {}
    rects = [_caption_rect(lines) for _kind, _label, lines, _seq in captions]
    for i, (kind, *_rest) in enumerate(captions):
        if kind != "table":
            continue
        below = [
            j for j, r in enumerate(rects) if r.y0 > rects[i].y1 and min(r.x1, rects[i].x1) - max(r.x0, rects[i].x0) > 0
        ]
        if not below:
            continue
        j = min(below, key=lambda k: rects[k].y0)
        # A table under it with rules right under its caption (or only above) is no contest.
        if captions[j][0] != "figure" and (sides[i] != "below" or sides[j] is not None):
            continue
        x0, x1 = min(rects[i].x0, rects[j].x0), max(rects[i].x1, rects[j].x1)
        lo, hi = rects[i].y1, rects[j].y0
        spans = sorted(
            (r.y0, r.y1)
            for r in [*elements, *(ln.rect for ln in weak)]
            if r.y1 > lo and r.y0 < hi and min(r.x1, x1) - max(r.x0, x0) > 0
        )
        merged: list[list[float]] = []
        for y0, y1 in spans:
            if merged and y0 <= merged[-1][1] + TABLE_ROW_GAP:
                merged[-1][1] = max(merged[-1][1], y1)
            else:
                merged.append([y0, y1])
        if len(merged) >= 2:
            border = (merged[0][1] + merged[1][0]) / 2
        else:
            # No gap at all (a float's space taken back with negative vspace):
            # the table is the run of rules and rows from its caption down.
            border = _table_run_end(lo, hi, x0, x1, elements, weak)
            if border is None:
                continue
        limits[i] = (limits.get(i, (float("-inf"), 0))[0], border)
        limits[j] = (border, limits.get(j, (0, float("inf")))[1])
    return limits


def _table_run_end(
    lo: float, hi: float, x0: float, x1: float, elements: list[pymupdf.Rect], weak: list[Line]
) -> float | None:
    """Where a table's rules and rows stop, going down from its caption at lo; None when nothing else follows."""
    items = []
    for e in elements:
        if e.y1 > lo and e.y0 < hi and min(e.x1, x1) - max(e.x0, x0) > 0:
            items.append((e.y0, e.y1, e.height <= 2))
    for ln in weak:
        if ln.y1 > lo and ln.y0 < hi and min(ln.x1, x1) - max(ln.x0, x0) > 0:
            items.append((ln.y0, ln.y1, is_table_row(ln)))
    items.sort()
    end = None
    for y0, y1, tabular in items:
        if not tabular:
            return None if end is None else (end + max(y0, end)) / 2
        end = y1 if end is None else max(end, y1)
    return None


def _candidates(
    kind: str,
    cap: pymupdf.Rect,
    col: int,
    layout: PageLayout,
    elements: list[pymupdf.Rect],
    blockers: list[Line],
    weak: list[Line],
    order: tuple[str, ...],
    lane: tuple[float, float] = (float("-inf"), float("inf")),
):
    """The regions grown in each direction, in the order given; a ruleless table's rows last."""
    x0, x1 = _band(col, layout)
    x0, x1 = max(x0, lane[0]), min(x1, lane[1])
    for direction in order:
        if direction == "above":
            rect = _grow(cap, x0, x1, elements, blockers, up=True, weak=weak)
        elif direction == "below":
            rect = _grow(cap, x0, x1, elements, blockers, up=False, weak=weak)
        elif direction == "other-column":
            rect = _other_column(cap, col, layout, elements, blockers, weak)
        else:
            rect = _beside(cap, col, layout, elements, blockers)
        if rect is not None:
            yield rect
    if kind == "table":
        rect = _text_table(cap, x0, x1, layout, blockers)
        if rect is not None:
            yield rect


def _blocked(a: float, b: float, x0: float, x1: float, blockers: list[Line]) -> bool:
    """Is there body text between heights a < b within the band?"""
    for ln in blockers:
        if ln.y0 >= a - 1 and ln.y1 <= b + 1 and min(ln.x1, x1) - max(ln.x0, x0) > 0.3 * ln.width:
            return True
    return False


def _bridged(lo: float, hi: float, x0: float, x1: float, weak: list[Line]) -> bool:
    """Is the vertical gap lo..hi short, or filled by figure text (e.g. a table's rows)?"""
    if hi - lo <= MAX_GAP:
        return True
    cur = lo
    for r in sorted((r for r in weak if r.y0 >= lo - 1 and r.y1 <= hi + 1 and _in_band(r, x0, x1)), key=lambda r: r.y0):
        if r.y0 - cur > MAX_GAP:
            return False
        cur = max(cur, r.y1)
    return hi - cur <= MAX_GAP


def _grow(
    cap: pymupdf.Rect,
    x0: float,
    x1: float,
    elements: list[pymupdf.Rect],
    blockers: list[Line],
    *,
    up: bool,
    weak: list[Line] = (),
) -> pymupdf.Rect | None:
    # A drawing's box may poke into its caption (a curve's control points, a
    # stroke's width): it belongs on the side where most of it is.
    if up:
        cands = [e for e in elements if (e.y1 <= cap.y0 + 3 or e.y0 + e.y1 < 2 * cap.y0) and _in_band(e, x0, x1)]
        cands.sort(key=lambda e: -e.y1)
    else:
        cands = [e for e in elements if (e.y0 >= cap.y1 - 3 or e.y0 + e.y1 > 2 * cap.y1) and _in_band(e, x0, x1)]
        cands.sort(key=lambda e: e.y0)
    region: pymupdf.Rect | None = None
    for e in cands:
        edge = cap if region is None else region
        lo, hi = (e.y1, edge.y0) if up else (edge.y1, e.y0)
        if hi > lo and (_blocked(lo, hi, x0, x1, blockers) or not _bridged(lo, hi, x0, x1, weak)):
            if region is None:
                return None
            break
        grown = pymupdf.Rect(e) if region is None else region | e
        if _spills(grown, e, x0, x1, blockers):
            continue
        region = grown
    if region is not None:  # never cut into the caption itself
        if up:
            region.y1 = min(region.y1, cap.y0)
        else:
            region.y0 = max(region.y0, cap.y1)
    return region


def _spills(grown: pymupdf.Rect, e: pymupdf.Rect, x0: float, x1: float, blockers: list[Line]) -> bool:
    """Would taking e carry the region out of its band across body text there?

    A rule across the page (under a title block, over the first column's
    abstract) is half in a column's band: taken in, it would spread the crop of
    a one-column figure over the other column's prose. A float whose own body
    is wider than its band (figure*) has no text beside it.
    """
    if e.x0 >= x0 - 2 and e.x1 <= x1 + 2:
        return False
    for ln in blockers:
        cx = (ln.x0 + ln.x1) / 2
        if ln.y1 > grown.y0 and ln.y0 < grown.y1 and not x0 <= cx <= x1 and ln.x0 < e.x1 and ln.x1 > e.x0:
            return True
    return False


def _other_column(
    cap: pymupdf.Rect,
    col: int,
    layout: PageLayout,
    elements: list[pymupdf.Rect],
    blockers: list[Line],
    weak: list[Line],
) -> pymupdf.Rect | None:
    """A caption opening the right column describes the figure closing the left one."""
    if col != 1 or layout.gutter is None:
        return None
    rx0, rx1 = layout.column_range(1)
    if _blocked(layout.content_y[0], cap.y0, rx0, rx1, blockers):
        return None
    if any(e.y1 <= cap.y0 and _in_band(e, rx0, rx1) for e in elements):
        return None
    lx0, lx1 = layout.column_range(0)
    left = [e for e in elements if _in_band(e, lx0, lx1)]
    if not left:
        return None
    lowest = max(left, key=lambda e: e.y1)
    if any(b.col == 0 and b.y0 >= lowest.y1 - 1 for b in blockers):
        return None
    virtual = pymupdf.Rect(lx0, lowest.y1, lx1, lowest.y1 + 0.5)
    return _grow(virtual, lx0, lx1, elements, blockers, up=True, weak=weak)


def _beside(
    cap: pymupdf.Rect, col: int, layout: PageLayout, elements: list[pymupdf.Rect], blockers: list[Line]
) -> pymupdf.Rect | None:
    """Side captions: drawings in the same rows as the caption, across the page."""
    near = [
        e
        for e in elements
        if min(e.y1, cap.y1) - max(e.y0, cap.y0) > 0.5 * min(cap.height, e.height) and not e.intersects(cap)
    ]
    if not near:
        return None
    region = pymupdf.Rect(near[0])
    for e in near[1:]:
        region |= e
    return region


def _text_table(
    cap: pymupdf.Rect, x0: float, x1: float, layout: PageLayout, blockers: list[Line]
) -> pymupdf.Rect | None:
    """A ruled-less table: the short non-prose lines right under its caption."""
    rows = [
        ln
        for ln in layout.lines
        if ln.role == "body" and ln.y0 >= cap.y1 - 1 and ln not in blockers and _in_band(ln, x0, x1)
    ]
    rows.sort(key=lambda ln: ln.y0)
    region: pymupdf.Rect | None = None
    bottom = cap.y1
    for ln in rows:
        if ln.y0 - bottom > 14:
            break
        if _blocked(bottom, ln.y0, x0, x1, blockers):
            break
        region = ln.rect if region is None else region | ln.rect
        bottom = max(bottom, ln.y1)
    if region is None or region.height < 3 * 8:
        return None
    return region


def _labels_inside(
    rect: pymupdf.Rect,
    lines: list[Line],
    caption: list[Line],
    blockers: list[Line],
    body_size: float,
    body_font: str = "",
) -> pymupdf.Rect:
    """Grow the region by text lines it overlaps (tick labels, legends) or label text beside it (sub-captions).

    Label text is smaller than the body, or set in another font than the body
    and no prose (a matplotlib figure scaled up to the text width has tick
    labels larger than the body text).

    Repeated until stable, so an axis title below the tick labels joins too.
    Plain floats, not pymupdf.Rect: this runs for every line near every figure.
    """
    skip = {id(ln) for ln in caption} | {id(ln) for ln in blockers}
    candidates = [
        ln
        for ln in lines
        if id(ln) not in skip
        and ln.role not in ("furniture", "gutter", "caption", "heading")
        and ln.x0 < ln.x1
        and ln.y0 < ln.y1  # an empty box can neither overlap nor grow the region
    ]
    # Label text and how far from the region its centre may be: a label's
    # distance from its axis grows with its size.
    reach = {
        id(ln): max(12.0, 2.0 * ln.size)
        for ln in candidates
        if ln.size < body_size - 0.6
        # Not bold: a section heading is in another font than the body too.
        or (body_font and ln.spans[0].font != body_font and not ln.bold and not _is_prose(ln))
    }
    for ln in candidates:
        # A paragraph of small text joins only where it touches the region (a table's notes
        # under its bottom rule), never across a gap (a byline over a teaser).
        if id(ln) in reach and _running_text(ln, candidates):
            reach[id(ln)] = 0.5 * (ln.y1 - ln.y0) + 3.0
    gx0, gy0, gx1, gy1 = rect
    for _ in range(4):
        before = (gx0, gy0, gx1, gy1)
        for ln in candidates:
            x0, y0, x1, y1 = ln.bbox
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            m = reach.get(id(ln))
            if m is not None and gx0 - m <= cx < gx1 + m and gy0 - m <= cy < gy1 + m:
                pass  # label text whose centre is in the zone around the region
            else:
                ix0, iy0, ix1, iy1 = max(x0, gx0), max(y0, gy0), min(x1, gx1), min(y1, gy1)
                if not (ix0 < ix1 and iy0 < iy1 and (ix1 - ix0) * (iy1 - iy0) > 0.3 * (x1 - x0) * (y1 - y0)):
                    continue
            if gx0 >= gx1 or gy0 >= gy1:  # as pymupdf's union: an empty region is replaced
                gx0, gy0, gx1, gy1 = x0, y0, x1, y1
            else:
                gx0, gy0, gx1, gy1 = min(gx0, x0), min(gy0, y0), max(gx1, x1), max(gy1, y1)
        if (gx0, gy0, gx1, gy1) == before:
            break
    return pymupdf.Rect(gx0, gy0, gx1, gy1)


def _running_text(line: Line, lines: list[Line]) -> bool:
    """Is the line one of a run of prose lines set flush on one left edge (a byline, an abstract, notes)?

    Small text near a drawing is its labels, but lines of prose stacked on one
    edge are a paragraph: a teaser under acmart's small-caps byline would take
    the byline in, one line after another. A sub-caption is one line, or centred.
    """
    if not _is_prose(line):
        return False
    reach = 1.6 * max(line.height, 1.0)
    return any(
        other is not line
        and abs(other.x0 - line.x0) <= 1.5
        and 0 < abs(other.y0 - line.y0) <= reach
        and _is_prose(other)
        for other in lines
    )


def _pad(rect: pymupdf.Rect, layout: PageLayout) -> pymupdf.Rect:
    page = pymupdf.Rect(0, 0, layout.width, layout.height)
    return pymupdf.Rect(rect.x0 - 3, rect.y0 - 3, rect.x1 + 3, rect.y1 + 3) & page


def _overlap_ratio(a: pymupdf.Rect, b: pymupdf.Rect) -> float:
    inter = a & b
    if inter.is_empty:
        return 0.0
    return abs(inter) / max(abs(a), 1e-6)


def region_lines(rects: list[pymupdf.Rect], lines: list[Line]) -> set[int]:
    """Return ids of lines whose centre lies inside any of the figure regions."""
    out: set[int] = set()
    if not rects:
        return out
    boxes = [tuple(r) for r in rects]
    for ln in lines:
        if ln.role == "caption":
            continue
        x0, y0, x1, y1 = ln.bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if any(b[0] <= cx < b[2] and b[1] <= cy < b[3] for b in boxes):
            out.add(id(ln))
    return out
