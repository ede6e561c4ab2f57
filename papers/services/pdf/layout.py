"""Page layout: lines with fonts, page furniture, graphics and columns.

Everything here is geometry read from one open document in the calling thread
(see the package docstring on thread safety); the results are plain data.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pymupdf

# Text without embedded image bytes: figures are located via image rects instead.
TEXT_FLAGS = (pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES) | pymupdf.TEXT_MEDIABOX_CLIP

SUPERSCRIPT = 1
BOLD = 16

_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.I)
_INTEGER = re.compile(r"^\d{1,4}$")
_FOOTNOTE_MARK = re.compile(r"^\s*([\d*†‡§¶]|\([a-z\d]\))")


@dataclass
class Span:
    text: str
    size: float
    flags: int
    font: str
    bbox: tuple[float, float, float, float]

    @property
    def bold(self) -> bool:
        return bool(self.flags & BOLD) or "bold" in self.font.lower()


@dataclass(eq=False)  # identity: lines are compared with `in` in hot loops
class Line:
    page: int  # 0-based
    bbox: tuple[float, float, float, float]
    text: str
    size: float
    bold: bool
    spans: list[Span]
    col: int = 0  # -1 spans the columns, 0 left (or single), 1 right
    role: str = "body"  # body | furniture | gutter | caption | heading

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def y0(self) -> float:
        return self.bbox[1]

    @property
    def x1(self) -> float:
        return self.bbox[2]

    @property
    def y1(self) -> float:
        return self.bbox[3]

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    @property
    def rect(self) -> pymupdf.Rect:
        return pymupdf.Rect(self.bbox)


@dataclass
class PageLayout:
    index: int  # 0-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    graphics: list[pymupdf.Rect] = field(default_factory=list)  # vector drawing clusters
    images: list[pymupdf.Rect] = field(default_factory=list)
    gutter: float | None = None  # x of the column gap on two-column pages
    content_x: tuple[float, float] = (0.0, 0.0)
    content_y: tuple[float, float] = (0.0, 0.0)

    def body_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.role not in ("furniture", "gutter")]

    def column_range(self, col: int) -> tuple[float, float]:
        x0, x1 = self.content_x
        if self.gutter is None or col < 0:
            return x0, x1
        return (x0, self.gutter) if col == 0 else (self.gutter, x1)


def page_layout(page: pymupdf.Page, index: int) -> PageLayout:
    """Read the lines, drawings and images of one page."""
    rect = page.rect
    layout = PageLayout(index=index, width=rect.width, height=rect.height)
    data = page.get_text("dict", flags=TEXT_FLAGS)
    for block in data["blocks"]:
        if block.get("type", 0) != 0:
            continue
        for raw in block["lines"]:
            spans = [
                Span(s["text"], float(s["size"]), int(s["flags"]), s.get("font", ""), tuple(s["bbox"]))
                for s in raw["spans"]
                if s["text"].strip()
            ]
            if not spans:
                continue
            text = "".join(s.text for s in spans).strip()
            weights = Counter()
            for s in spans:
                weights[round(s.size, 1)] += len(s.text.strip())
            size = weights.most_common(1)[0][0]
            bold_chars = sum(len(s.text.strip()) for s in spans if s.bold)
            line = Line(
                page=index,
                bbox=tuple(raw["bbox"]),
                text=text,
                size=size,
                bold=bold_chars >= 0.6 * sum(weights.values()),
                spans=spans,
            )
            dx, dy = raw.get("dir", (1, 0))
            if abs(dy) > 0.1 or dx < 0:
                # Rotated text: arXiv's side stamp, rotated axis titles. Never body text.
                line.role = "furniture" if _near_edge(line, layout) else "figure-text"
            layout.lines.append(line)
    layout.graphics, layout.images = _graphics(page, rect)
    return layout


def _near_edge(line: Line, layout: PageLayout) -> bool:
    return line.x1 < 0.12 * layout.width or line.x0 > 0.88 * layout.width


def _graphics(page: pymupdf.Page, page_rect: pymupdf.Rect) -> tuple[list[pymupdf.Rect], list[pymupdf.Rect]]:
    """Return clustered vector-drawing rects and image rects.

    ``get_bboxlog`` reports every painting operation's box from C, far cheaper
    than building ``get_drawings`` dictionaries for plots with thousands of paths.
    """
    pw, ph = page_rect.width, page_rect.height
    page_area = pw * ph
    paths: list[list[float]] = []
    images: list[pymupdf.Rect] = []
    for kind, (x0, y0, x1, y1) in page.get_bboxlog():
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, pw), min(y1, ph)
        w, h = x1 - x0, y1 - y0
        if w < 0 or h < 0 or (w < 1 and h < 1):
            continue
        if kind in ("fill-image", "fill-imgmask"):
            if w >= 8 and h >= 8:
                images.append(pymupdf.Rect(x0, y0, x1, y1))
        elif kind in ("fill-path", "stroke-path", "fill-shade"):
            # A page-sized white background or frame is not a figure.
            if w * h > 0.8 * page_area:
                continue
            paths.append([x0, y0, x1, y1])
    return [pymupdf.Rect(b) for b in _cluster(paths, gap=6.0)], images


def _cluster(boxes: list[list[float]], *, gap: float) -> list[list[float]]:
    """Merge boxes closer than ``gap`` points into their union boxes (plain lists: plots have thousands)."""
    boxes = sorted(boxes, key=lambda b: (b[1], b[0]))
    merged = True
    while merged:
        merged = False
        out: list[list[float]] = []
        for b in boxes:
            for o in out:
                if b[0] - gap <= o[2] and o[0] <= b[2] + gap and b[1] - gap <= o[3] and o[1] <= b[3] + gap:
                    o[0], o[1] = min(o[0], b[0]), min(o[1], b[1])
                    o[2], o[3] = max(o[2], b[2]), max(o[3], b[3])
                    merged = True
                    break
            else:
                out.append(list(b))
        boxes = out
    return boxes


def mark_furniture(pages: list[PageLayout]) -> None:
    """Mark running headers/footers, page numbers and line-number gutters.

    A header or footer repeats at the same height on many pages; a page number
    stands alone on its row in the outer margin (tick labels of a plot that
    reaches the margin have neighbours on their row).
    """
    if not pages:
        return
    repeats: Counter = Counter()
    keyed: list[tuple[Line, str]] = []
    for layout in pages:
        seen = set()
        body = [ln for ln in layout.lines if ln.role == "body"]
        margins = [ln for ln in body if ln.y1 < 0.12 * layout.height or ln.y0 > 0.88 * layout.height]
        for line in margins:
            top = line.y1 < 0.1 * layout.height
            bottom = line.y0 > 0.9 * layout.height
            if not (top or bottom):
                continue
            alone = not any(o is not line and _same_row(o, line) for o in margins)
            in_margin = line.y1 < 0.075 * layout.height or line.y0 > 0.925 * layout.height
            if _PAGE_NUMBER.match(line.text) and alone and in_margin:
                line.role = "furniture"
                continue
            if bottom and in_margin and alone and _one_off_footer(line, layout):
                line.role = "furniture"
                continue
            key = f"{round(line.y0 / 4)}|" + re.sub(r"\d+", "#", line.text.lower())
            keyed.append((line, key))
            if key not in seen:
                seen.add(key)
                repeats[key] += 1
    needed = max(2, int(0.4 * len(pages) + 0.5))
    for line, key in keyed:
        if repeats[key] >= needed:
            line.role = "furniture"
    for layout in pages:
        _mark_gutters(layout)


def _one_off_footer(line: Line, layout: PageLayout) -> bool:
    """A short note alone in the bottom margin of one page ("Preprint. Under review.").

    Footnotes start with a marker (an affiliation's "1", "*", "†") and are kept.
    """
    if len(line.text) > 100 or _FOOTNOTE_MARK.match(line.text):
        return False
    lowest_body = max(
        (ln.y1 for ln in layout.lines if ln.role == "body" and ln.y0 <= 0.9 * layout.height), default=0.0
    )
    return line.y0 > lowest_body


def _mark_gutters(layout: PageLayout) -> None:
    """Columns of small increasing integers at a fixed x are line numbers."""
    groups: dict[int, list[Line]] = defaultdict(list)
    for line in layout.lines:
        if line.role == "body" and _INTEGER.match(line.text) and line.width < 20:
            groups[round(line.x0 / 8)].append(line)
    for members in groups.values():
        if len(members) < 5:
            continue
        members.sort(key=lambda ln: ln.y0)
        values = [int(m.text) for m in members]
        steps = [b - a for a, b in zip(values, values[1:])]
        if sum(1 for s in steps if 1 <= s <= 3) >= 0.7 * len(steps):
            for m in members:
                m.role = "gutter"


def body_font_size(pages: list[PageLayout]) -> float:
    sizes: Counter = Counter()
    for layout in pages:
        for line in layout.body_lines():
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def assign_columns(layout: PageLayout, *, fallback: float | None = None) -> None:
    """Find a two-column gutter, then tag each line left, right or spanning.

    ``fallback`` is the document's usual gutter, tried on pages whose own text is
    too sparse to show one (a page that is mostly figures).
    """
    lines = [ln for ln in layout.body_lines() if ln.role != "figure-text"]
    if not lines:
        layout.content_x = (0.0, layout.width)
        layout.content_y = (0.0, layout.height)
        return
    layout.content_x = (min(ln.x0 for ln in lines), max(ln.x1 for ln in lines))
    layout.content_y = (min(ln.y0 for ln in lines), max(ln.y1 for ln in lines))
    total = sum(len(ln.text) for ln in lines)
    # Characters crossing each candidate x, via a difference array over the candidates.
    step, lo = 2.0, 0.35 * layout.width
    n = int((0.65 * layout.width - lo) / step) + 1
    diff = [0] * (n + 1)
    for ln in lines:
        first = max(0, int((ln.x0 + 1 - lo) / step) + 1)
        last = min(n - 1, int((ln.x1 - 1 - lo) / step - 1e-9))
        if first <= last:
            diff[first] += len(ln.text)
            diff[last + 1] -= len(ln.text)
    best: tuple[int, float] | None = None
    runs: list[float] = []
    crossing = 0
    for i in range(n):
        crossing += diff[i]
        x = lo + i * step
        if best is None or crossing < best[0]:
            best, runs = (crossing, x), [x]
        elif crossing == best[0] and runs and x - runs[-1] <= 2.5:
            runs.append(x)
    crossing, _ = best
    gutter = (runs[0] + runs[-1]) / 2
    left = sum(len(ln.text) for ln in lines if ln.x1 <= gutter + 1)
    right = sum(len(ln.text) for ln in lines if ln.x0 >= gutter - 1)
    clean = crossing <= 0.02 * total and min(left, right) >= 0.05 * total
    if clean or (crossing <= 0.35 * total and min(left, right) >= 0.15 * total):
        layout.gutter = gutter
    elif fallback is not None:
        crossing = sum(len(ln.text) for ln in lines if ln.x0 < fallback - 1 and ln.x1 > fallback + 1)
        if crossing <= 0.35 * total:
            layout.gutter = fallback
    for line in layout.lines:
        line.col = _column_of(line, layout.gutter)
    if layout.gutter is None:
        return
    # A line sharing a row with a spanning line belongs to that row (centred author lists).
    spanning = [ln for ln in layout.lines if ln.col == -1 and ln.role not in ("furniture", "gutter")]
    for line in layout.lines:
        if line.col != -1 and any(_same_row(line, s) for s in spanning):
            line.col = -1


def document_gutter(pages: list[PageLayout]) -> float | None:
    """The gutter most text pages share, if most of them have one."""
    found = [p.gutter for p in pages if p.gutter is not None]
    with_text = [p for p in pages if p.body_lines()]
    if not found or len(found) < 0.5 * len(with_text):
        return None
    return sorted(found)[len(found) // 2]


def _column_of(line: Line, gutter: float | None) -> int:
    if gutter is None:
        return 0
    if line.x1 <= gutter + 2:
        return 0
    if line.x0 >= gutter - 2:
        return 1
    return -1


def _same_row(a: Line, b: Line) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.height, b.height)


def reading_order(lines: list[Line]) -> list[Line]:
    """Order one page's lines: bands between spanning rows, left column before right."""
    spanning = sorted((ln for ln in lines if ln.col == -1), key=lambda ln: (round(ln.y0), ln.x0))
    columns = [ln for ln in lines if ln.col != -1]
    out: list[Line] = []
    used: set[int] = set()
    for row in spanning:
        band = [ln for ln in columns if id(ln) not in used and (ln.y0 + ln.y1) / 2 < row.y0]
        band.sort(key=lambda ln: (ln.col, ln.y0, ln.x0))
        out.extend(band)
        used.update(id(ln) for ln in band)
        out.append(row)
    rest = [ln for ln in columns if id(ln) not in used]
    rest.sort(key=lambda ln: (ln.col, ln.y0, ln.x0))
    out.extend(rest)
    return out
