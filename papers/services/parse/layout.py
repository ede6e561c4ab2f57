"""Page layout: lines with fonts, page furniture, graphics and columns.

Everything here is geometry read from one open document in the calling thread
(see the package docstring on thread safety); the results are plain data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pymupdf

# One text pass per page gives the lines and the vector drawings' boxes
# (COLLECT_VECTORS), but never images: the dict would carry each image's bytes,
# re-encoded as PNG when the PDF stores it as Flate. Images come from a second,
# image-only pass over the same display list (``_image_rects``).
TEXT_FLAGS = (
    (pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES) | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_COLLECT_VECTORS
)
_BLOCK_TEXT = 0
_BLOCK_VECTOR = 3

SUPERSCRIPT = 1
BOLD = 16

_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.I)
_INTEGER = re.compile(r"^\d{1,4}$")
# A line that opens with a footnote's mark, read from its text alone: furniture is told
# apart before anyone looks at span sizes, so this cannot use ``is_raised``.
_FOOTNOTE_MARK = re.compile(r"^\s*([\d*†‡§¶]|\([a-z\d]\))")


def fold(text: str) -> str:
    """Letters and digits only, lower case, accents dropped ("Zoë-Li" -> "zoeli"); other scripts kept.

    A dotless ı is an i: pdfTeX sets an accented i as an accent over ı ("Luc´ıa").
    """
    text = unicodedata.normalize("NFKD", text.replace("\u0131", "i"))
    return "".join(c for c in text if c.isalnum()).lower()


def fold_ascii(text: str) -> str:
    """``fold`` down to a-z and 0-9: what a URL's account or repository name can spell."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@dataclass(slots=True)
class Span:
    text: str
    size: float
    flags: int
    font: str
    bbox: tuple[float, float, float, float]

    @property
    def bold(self) -> bool:
        return bool(self.flags & BOLD) or "bold" in self.font.lower()


def is_raised(span: Span, ref: float, *, strict: bool = False) -> bool:
    """Set as a superscript, or small beside ``ref`` (85% of it or less; below 85% when ``strict``).

    Only the size question: which characters may form a mark differs between
    footnote marks and affiliation markers and stays with their readers.
    """
    if span.flags & SUPERSCRIPT:
        return True
    return span.size < 0.85 * ref if strict else span.size <= 0.85 * ref


@dataclass(eq=False, slots=True)  # identity: lines are compared with `in` in hot loops
class Line:
    page: int  # 0-based
    bbox: tuple[float, float, float, float]
    text: str
    size: float
    bold: bool
    spans: list[Span]
    col: int = 0  # -1 spans the columns, 0 left (or single), 1 right
    role: str = "body"  # body | furniture | gutter | caption | heading
    # The corners as plain attributes (not properties): layout reads them in every loop.
    x0: float = field(init=False, repr=False)
    y0: float = field(init=False, repr=False)
    x1: float = field(init=False, repr=False)
    y1: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.x0, self.y0, self.x1, self.y1 = self.bbox

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def rect(self) -> pymupdf.Rect:
        return pymupdf.Rect(self.bbox)


@dataclass
class PageLayout:
    index: int  # 0-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    graphics: list[pymupdf.Rect] = field(default_factory=list)  # vector drawing clusters (read_graphics)
    images: list[pymupdf.Rect] = field(default_factory=list)  # (read_graphics)
    vector_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # from the text pass
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


def page_layout(dl: pymupdf.DisplayList, index: int, rect: pymupdf.Rect) -> PageLayout:
    """Read the lines and the vector drawings' boxes of one page from its display list.

    The display list is the page interpreted once; text, drawing boxes and later
    the figure screenshots all replay it instead of re-reading the content stream.
    Graphics and images are only needed where a caption is: see ``read_graphics``.
    """
    layout = PageLayout(index=index, width=rect.width, height=rect.height)
    data = pymupdf.TextPage(dl.get_textpage(flags=TEXT_FLAGS)).extractDICT()
    paths = layout.vector_boxes
    lines = layout.lines
    for block in data["blocks"]:
        kind = block.get("type", 0)
        if kind == _BLOCK_VECTOR:
            paths.append(block["bbox"])
            continue
        if kind != _BLOCK_TEXT:
            continue
        for raw in block["lines"]:
            spans = raw["spans"]
            if len(spans) == 1:  # most lines: one font, nothing to weigh (inlined: this runs for every line)
                s = spans[0]
                text = s["text"].strip()
                if not text:
                    continue
                font, flags, size = s["font"], s["flags"], s["size"]
                span = Span(s["text"], size, flags, font, s["bbox"])
                line = Line(index, raw["bbox"], text, round(size, 1), _is_bold(flags, font), [span])
            else:
                line = _line(raw, index)
                if line is None:
                    continue
            dx, dy = raw.get("dir", (1, 0))
            if abs(dy) > 0.1 or dx < 0:
                # Rotated text: arXiv's side stamp, rotated axis titles. Never body text.
                line.role = "furniture" if _side_stamp(line, layout) else "figure-text"
            lines.append(line)
    return layout


def _is_bold(flags: int, font: str) -> bool:
    """``Span.bold`` from its parts."""
    return bool(flags & BOLD) or _bold_font(font)


@lru_cache(maxsize=4096)  # a paper sets a handful of fonts; bounded for a long-lived worker
def _bold_font(font: str) -> bool:
    return "bold" in font.lower()


def read_graphics(layout: PageLayout, dl: pymupdf.DisplayList) -> None:
    """Cluster the page's drawings and find its images (what figure regions are grown from)."""
    rect = pymupdf.Rect(0, 0, layout.width, layout.height)
    layout.graphics = _drawings(layout.vector_boxes, rect)
    layout.images = _image_rects(dl, rect)


def _line(raw: dict, index: int) -> Line | None:
    if len(raw["spans"]) == 1:  # most lines: one font, nothing to weigh
        s = raw["spans"][0]
        text = s["text"].strip()
        if not text:
            return None
        span = Span(s["text"], s["size"], s["flags"], s["font"], s["bbox"])
        return Line(page=index, bbox=raw["bbox"], text=text, size=round(span.size, 1), bold=span.bold, spans=[span])
    spans = []
    weights: dict[float, int] = {}
    bold_chars = total = 0
    for s in raw["spans"]:
        text = s["text"]
        stripped = len(text.strip())
        if not stripped:
            # MuPDF gives a space it infers from a gap (LaTeX's word spacing) a span
            # of its own; it still separates the words around it.
            if spans and not spans[-1].text.endswith((" ", "\t")):
                spans[-1].text += " "
            continue
        span = Span(text, s["size"], s["flags"], s["font"], s["bbox"])
        spans.append(span)
        size = round(span.size, 1)
        weights[size] = weights.get(size, 0) + stripped
        total += stripped
        if span.bold:
            bold_chars += stripped
    if not spans:
        return None
    return Line(
        page=index,
        bbox=raw["bbox"],
        text="".join(s.text for s in spans).strip(),
        size=max(weights, key=weights.__getitem__),  # the size most characters have; first wins a tie
        bold=bold_chars >= 0.6 * total,
        spans=spans,
    )


_SPACE_RUN = re.compile(r"(?<=\S)(?: {3,}|\t)(?=\S)")
_NUMERIC = re.compile(r"^[-+±(]?[\d.,]+%?\)?[*†‡]?$")


def is_table_row(line: Line) -> bool:
    """Cells set apart by gaps wider than any word space: a table's header or data row, not prose.

    Justified prose stretches its word spaces evenly and rarely to a full em;
    a row's cells stand an em or more apart. Two such gaps, or one in a row of
    numbers, make a row (MuPDF gives each piece of a row a span of its own).
    """
    spans = line.spans
    # Producers that write real spaces set a row's cells apart with runs of them.
    text = line.text
    runs = len(_SPACE_RUN.findall(text)) if "   " in text or "\t" in text else 0
    if len(spans) < 2 and not runs:
        return False
    em = max(line.size, 1.0)
    wide = runs + sum(1 for a, b in zip(spans, spans[1:]) if b.bbox[0] - a.bbox[2] >= em)
    if wide >= 2:
        return True
    if wide == 0:
        return False
    words = line.text.split()
    return sum(1 for w in words if _NUMERIC.match(w)) >= 0.4 * len(words)


def _side_stamp(line: Line, layout: PageLayout) -> bool:
    """Rotated text in the outer margin: arXiv's "arXiv:… [cs.CV] 2 May 2024" runs a third of the page.

    A figure's rotated y-axis title can sit as far out (a figure near the left
    text edge), but it is short and not at the very edge.
    """
    w = layout.width
    if not (line.x1 < 0.12 * w or line.x0 > 0.88 * w):
        return False
    return line.height > 0.2 * layout.height or line.x1 < 0.06 * w or line.x0 > 0.94 * w


def _drawings(boxes: list[tuple[float, float, float, float]], page_rect: pymupdf.Rect) -> list[pymupdf.Rect]:
    """Cluster the vector drawings' boxes (clipped to the page) into figure-sized rects."""
    pw, ph = page_rect.width, page_rect.height
    page_area = pw * ph
    paths: list[list[float]] = []
    for x0, y0, x1, y1 in boxes:
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, pw), min(y1, ph)
        w, h = x1 - x0, y1 - y0
        # Empty, point-sized, or a page-sized background or frame: not part of a figure.
        if w < 0 or h < 0 or (w < 1 and h < 1) or w * h > 0.8 * page_area:
            continue
        paths.append([x0, y0, x1, y1])
    return [pymupdf.Rect(b) for b in _cluster(paths, gap=6.0)]


def _image_rects(dl: pymupdf.DisplayList, page_rect: pymupdf.Rect) -> list[pymupdf.Rect]:
    """Boxes of raster images, image masks and shadings, from an image-only text pass.

    ``extractIMGINFO`` reads each image's size and box without decoding it.
    """
    info = pymupdf.TextPage(dl.get_textpage(flags=pymupdf.TEXT_PRESERVE_IMAGES)).extractIMGINFO()
    pw, ph = page_rect.width, page_rect.height
    out = []
    for item in info:
        x0, y0, x1, y1 = item["bbox"]
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, pw), min(y1, ph)
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            out.append(pymupdf.Rect(x0, y0, x1, y1))
    return out


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
    size = body_font_size(pages)
    for layout in pages:
        seen = set()
        body = [ln for ln in layout.lines if ln.role == "body"]
        margins = [ln for ln in body if ln.y1 < 0.12 * layout.height or ln.y0 > 0.88 * layout.height]
        for line in margins:
            top = line.y1 < 0.1 * layout.height
            bottom = line.y0 > 0.9 * layout.height
            if not (top or bottom):
                continue
            alone = not any(o is not line and same_row(o, line) for o in margins)
            in_margin = line.y1 < 0.075 * layout.height or line.y0 > 0.925 * layout.height
            if _PAGE_NUMBER.match(line.text) and alone and in_margin:
                line.role = "furniture"
                continue
            if bottom and in_margin and alone and _one_off_footer(line, layout, size):
                line.role = "furniture"
                continue
            if _INTEGER.match(line.text) and not alone:
                # A section number at the top of a column ("4" | "Experiments"): with its
                # digits masked it would look like a header repeating on every page.
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


def _one_off_footer(line: Line, layout: PageLayout, body_size: float) -> bool:
    """A short note alone in the bottom margin of one page ("Preprint. Under review.").

    Footnotes start with a marker (an affiliation's "1", "*", "†") and are kept.
    """
    if len(line.text) > 100 or _FOOTNOTE_MARK.match(line.text):
        return False
    if _in_text_block(line, layout, body_size):
        return False
    lowest_body = max((ln.y1 for ln in layout.lines if ln.role == "body" and ln.y0 <= 0.9 * layout.height), default=0.0)
    return line.y0 > lowest_body


def _in_text_block(line: Line, layout: PageLayout, body_size: float) -> bool:
    """A paragraph's lines at the foot of a column, not a note set apart below the text.

    A footer sits a clear gap below the text; a column's last line is set in the
    body size and follows the line above it at the line pitch (or, when a float
    or an equation above pushed its paragraph down, has its next line right below).
    """
    if abs(line.size - body_size) > 0.6:
        # Footnotes and venue notes ("37th Conference on ...") are set smaller than the text.
        return False
    limit = 0.6 * max(line.height, 1)
    for other in layout.lines:
        if other is line or other.role != "body" or abs(other.size - line.size) > 0.6:
            continue
        if min(line.x1, other.x1) - max(line.x0, other.x0) <= 0:
            continue
        if -1 <= line.y0 - other.y1 <= limit or -1 <= other.y0 - line.y1 <= limit:
            return True
    return False


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


def body_font(pages: list[PageLayout], size: float) -> str:
    """The font most body-size text is set in ("CMR10"); figures often bring their own (matplotlib's)."""
    fonts: Counter = Counter()
    for layout in pages:
        for line in layout.body_lines():
            if abs(line.size - size) <= 0.5:
                for span in line.spans:
                    fonts[span.font] += len(span.text)
    return fonts.most_common(1)[0][0] if fonts else ""


def assign_columns(layout: PageLayout, *, fallback: float | None = None) -> None:
    """Find a two-column gutter, then tag each line left, right or spanning.

    ``fallback`` is the document's usual gutter, tried on pages whose own text is
    too sparse to show one (a page that is mostly figures).
    """
    lines = [ln for ln in layout.lines if ln.role not in ("furniture", "gutter", "figure-text")]
    if not lines:
        layout.content_x = (0.0, layout.width)
        layout.content_y = (0.0, layout.height)
        return
    x0s, y0s, x1s, y1s = zip(*[ln.bbox for ln in lines])
    layout.content_x = (min(x0s), max(x1s))
    layout.content_y = (min(y0s), max(y1s))
    total = sum(len(ln.text) for ln in lines)
    # Characters crossing each candidate x, via a difference array over the candidates.
    # A page-wide table's cells and rows say nothing about the columns around it
    # (their gaps would pull the gutter into the table): only text that could be
    # column text counts.
    step, lo = 2.0, 0.35 * layout.width
    n = int((0.65 * layout.width - lo) / step) + 1
    diff = [0] * (n + 1)
    short = 0.15 * layout.width
    for ln in lines:
        if ln.x1 - ln.x0 < short or is_table_row(ln):
            continue
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
    rows = [
        (ln.y0, ln.y1, ln.y1 - ln.y0) for ln in layout.lines if ln.col == -1 and ln.role not in ("furniture", "gutter")
    ]
    if not rows:
        return
    for line in layout.lines:
        if line.col == -1:
            continue
        _, y0, _, y1 = line.bbox
        half = 0.5 * (y1 - y0)
        # same_row, unrolled: this runs for every line against every spanning line.
        if any(min(y1, b1) - max(y0, b0) > min(half, 0.5 * bh) for b0, b1, bh in rows):
            line.col = -1


def join_row_fragments(layout: PageLayout) -> None:
    """Join the pieces of a row that MuPDF split at a wide gap, within one column.

    LaTeX leaves a gap after a section number ("3" | "Method") and after a
    caption's label ("Table 1:" | "Attack success rate ..."); MuPDF makes each
    piece a line, and neither piece alone reads as a heading or a caption.
    Run after ``assign_columns``: two columns' lines share rows too.
    """
    rows = sorted(
        (ln for ln in layout.lines if ln.role == "body"),
        key=lambda ln: (ln.col, round(ln.y0), ln.x0),
    )
    merged: dict[int, Line] = {}  # id of a row's first piece -> the whole row
    pieces: set[int] = set()  # ids of the pieces after the first
    first: Line | None = None
    cur: Line | None = None
    for ln in rows:
        if (
            cur is not None
            and ln.col == cur.col
            and abs(ln.size - cur.size) <= 0.5
            and 0 <= ln.x0 - cur.x1 <= 2.5 * max(ln.size, 1)
            and min(ln.y1, cur.y1) - max(ln.y0, cur.y0) >= 0.8 * min(ln.height, cur.height)
        ):
            cur = merged[id(first)] = joined(cur, ln)
            pieces.add(id(ln))
            continue
        first = cur = ln
    if merged:
        layout.lines = [merged.get(id(ln), ln) for ln in layout.lines if id(ln) not in pieces]


def joined(left: Line, right: Line) -> Line:
    """One line of two pieces of a row, a space between them."""
    spans = [*left.spans[:-1], replace(left.spans[-1], text=left.spans[-1].text.rstrip() + " "), *right.spans]
    bbox = (min(left.x0, right.x0), min(left.y0, right.y0), max(left.x1, right.x1), max(left.y1, right.y1))
    return replace(left, bbox=bbox, text=f"{left.text} {right.text}", bold=left.bold and right.bold, spans=spans)


def document_gutter(pages: list[PageLayout]) -> float | None:
    """The gutter most text pages share, if most of them have one."""
    found = [p.gutter for p in pages if p.gutter is not None]
    with_text = [p for p in pages if p.body_lines()]
    if not found or len(found) < 0.5 * len(with_text):
        return None
    # The value most pages agree on (a page of wide floats may be off by a few points).
    found.sort()
    return max(found, key=lambda g: (sum(1 for o in found if abs(o - g) <= 3), -abs(g - found[len(found) // 2])))


def _column_of(line: Line, gutter: float | None) -> int:
    if gutter is None:
        return 0
    if line.x1 <= gutter + 2:
        return 0
    if line.x0 >= gutter - 2:
        return 1
    return -1


def same_row(a: Line, b: Line) -> bool:
    """Do the two lines share a row: overlapping by more than half the lower one's height?"""
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.height, b.height)


def reading_order(lines: list[Line]) -> list[Line]:
    """Order one page's lines: bands between spanning rows, left column before right."""
    spanning = sorted((ln for ln in lines if ln.col == -1), key=lambda ln: (round(ln.y0), ln.x0))
    # Column lines by the height of their centre: each band takes the next run of them.
    columns = sorted(((ln.y0 + ln.y1) / 2, i, ln) for i, ln in enumerate(lines) if ln.col != -1)
    out: list[Line] = []
    taken = 0

    def place(band: list[tuple[float, int, Line]]) -> None:
        band.sort(key=lambda item: (item[2].col, item[2].y0, item[2].x0, item[1]))
        # Fragments of one row whose tops differ by a point (a footnote mark set
        # apart from its words, a URL in typewriter type) are read left to right.
        row: list[Line] = []
        mid = float("inf")  # the row's highest mid-height, kept as lines join it
        for _y, _i, ln in band:
            if row and (ln.col != row[0].col or ln.y0 >= mid):
                out.extend(sorted(row, key=lambda r: r.x0))
                row = []
                mid = float("inf")
            row.append(ln)
            mid = min(mid, ln.y0 + 0.5 * ln.height)
        out.extend(sorted(row, key=lambda r: r.x0))

    for row in spanning:
        start = taken
        while taken < len(columns) and columns[taken][0] < row.y0:
            taken += 1
        place(columns[start:taken])
        out.append(row)
    place(columns[taken:])
    return out
