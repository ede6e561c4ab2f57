"""Flow a paper into pages: title block, columns of paragraphs and headings, figures, tables and captions.

The layout also records where each figure and table landed (``Layout.figures``),
the ground truth the tests score figure detection against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pymupdf

from tests.pdfgen import art
from tests.pdfgen.text import (
    PAGE_H,
    PAGE_W,
    SANS,
    SERIF,
    SERIF_BOLD,
    TruthFigure,
    Word,
    draw_words,
    line_width,
    text_width,
    words_of,
    wrap,
)

CAPTION_SIZE, CAPTION_LEAD = 9.0, 11.0
# Text a figure set at the foot of a column leaves room for above it, and the gap between the two.
FOOT_ROOM, FOOT_GAP = 80.0, 14.0


@dataclass
class _Float:
    height: float
    draw: Callable[[pymupdf.Page, float, float], None]
    wide: bool  # across all columns at the top of a page, else at the top of a column


class Layout:
    """Flow text, headings, figures and tables into one or more columns of pages."""

    def __init__(
        self,
        doc: pymupdf.Document,
        *,
        columns: int,
        left: float,
        gutter: float = 0.0,
        top: float = 66.0,
        bottom: float = PAGE_H - 62.0,
        size: float = 10.0,
        font: str = SERIF,
        bold: str = SERIF_BOLD,
        line_numbers: bool = False,
        bold_labels: bool = False,
    ):
        self.doc = doc
        self.columns = columns
        self.left, self.gutter = left, gutter
        self.col_w = (PAGE_W - 2 * left - gutter * (columns - 1)) / columns
        self.full_w = PAGE_W - 2 * left
        self.top, self.bottom = top, bottom
        self.size, self.leading = size, size * 1.24
        self.font, self.bold = font, bold
        self.line_numbers = line_numbers
        self.line_no = 0
        self.bold_labels = bold_labels  # "Figure 1:" set in bold before the caption text
        self.pending: list[_Float] = []
        self.figures: list[TruthFigure] = []
        self.page: pymupdf.Page
        self.new_page()

    # --- pages and columns ----------------------------------------------

    @property
    def x(self) -> float:
        return self.left + self.col * (self.col_w + self.gutter)

    @property
    def floor(self) -> float:
        """Where the current column's text must stop: the page bottom, or above a figure set at its foot."""
        return self.floors[self.col]

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.col = 0
        self.col_top = self.y = self.top
        self.floors = [self.bottom] * self.columns
        self.place_pending()

    def next_column(self) -> None:
        if self.col + 1 < self.columns:
            self.col += 1
            self.y = self.col_top
            self.place_pending()
        else:
            self.new_page()

    def finish(self) -> None:
        while self.pending:
            self.next_column()

    def space(self, points: float) -> None:
        if self.y > self.col_top:
            self.y += points

    # --- floats -----------------------------------------------------------

    def _fits(self, float_: _Float) -> bool:
        if float_.wide and (self.col or self.y != self.col_top):
            return False
        return self.y + float_.height <= self.floor

    def _place(self, float_: _Float) -> None:
        float_.draw(self.page, self.left if float_.wide else self.x, self.y)
        self.y += float_.height
        if float_.wide:
            self.col_top = self.y

    def place_pending(self) -> None:
        waiting, self.pending = self.pending, []
        for float_ in waiting:
            if not self.pending and self._fits(float_):
                self._place(float_)
            else:
                self.pending.append(float_)

    def float_block(self, height: float, draw: Callable[[pymupdf.Page, float, float], None], *, wide: bool) -> None:
        """Place a figure or table here if it fits, else at the top of the next column (page, if wide), like LaTeX."""
        assert height <= self.bottom - self.top, "float taller than a column"
        float_ = _Float(height, draw, wide)
        if not self.pending and self._fits(float_):
            self._place(float_)
        else:
            self.pending.append(float_)

    def _record(self, kind: str, page: pymupdf.Page, rect: pymupdf.Rect, caption: str) -> None:
        label = caption.split(":", 1)[0]
        self.figures.append(TruthFigure(page.number + 1, kind, label, tuple(round(v, 1) for v in rect), caption))

    # --- text -------------------------------------------------------------

    def lines(
        self,
        lines: list[list[Word]],
        *,
        leading: float,
        indent: float = 0.0,
        first_indent: float = 0.0,
        align: str = "left",
        width: float | None = None,
    ) -> None:
        for n, line in enumerate(lines):
            if self.y + leading > self.floor:
                self.next_column()
            offset = indent + (first_indent if n == 0 else 0.0)
            if align == "center":
                offset = ((width or self.col_w) - line_width(line)) / 2
            baseline = self.y + leading * 0.78
            draw_words(self.page, line, self.x + offset, baseline)
            if self.line_numbers:
                self.line_no += 1
                nx = 22 if self.col == 0 else PAGE_W - 40
                self.page.insert_text((nx, baseline), str(self.line_no), fontname=SANS, fontsize=6.5, color=(0.4,) * 3)
            self.y += leading

    def paragraph(
        self,
        text: str,
        *,
        lead: str = "",
        font: str | None = None,
        size: float | None = None,
        indent: float = 0.0,
        hanging: str = "",
        first_indent: float = 0.0,
        after: float = 3.0,
    ) -> None:
        font = font or self.font
        size = size or self.size
        words = words_of(text, font=font, size=size, bold=self.bold, lead=lead)
        if hanging:
            words = [Word(hanging, font, size)] + words
        width = self.col_w - 2 * indent
        hang = text_width(hanging + " ", font, size) if hanging else 0.0
        wrapped = wrap(words, width - hang, first_width=width - first_indent)
        self.lines(wrapped, leading=size * 1.24, indent=indent + hang, first_indent=first_indent - hang)
        self.space(after)

    def heading(self, text: str, *, size: float | None = None, center: bool = False) -> None:
        size = size or self.size + 2
        self.space(size * 0.8)
        if self.y + size * 1.3 + 3 * self.leading > self.floor:  # keep with the next lines
            self.next_column()
        words = [Word(text, self.bold, size)]
        self.lines([words], leading=size * 1.3, align="center" if center else "left")
        self.y += 2

    def centered_full(self, lines: list[list[Word]], leading: float) -> None:
        """Title-block lines across the whole text width, before the columns start."""
        for line in lines:
            x = self.left + (self.full_w - line_width(line)) / 2
            draw_words(self.page, line, x, self.y + leading * 0.78)
            self.y += leading

    def title_block(
        self, title: str, authors: list[tuple[str, str]], affiliations: list[tuple[str, str]], *, title_size: float
    ) -> None:
        """Title, authors with superscript marks, then one line per affiliation (its mark, if any, raised)."""
        title_lines = wrap([Word(w, self.bold, title_size) for w in title.split()], self.full_w - 40)
        self.y = 78.0
        self.centered_full(title_lines, title_size * 1.25)
        self.y += 10
        names = []
        for name, marks in authors:
            names.append(Word(name, self.font, 10.5))
            names.append(Word(marks, self.font, 6.5, rise=4.0, glue=True))
            names.append(Word(",", self.font, 10.5, glue=True))
        names.pop()
        self.centered_full(wrap(names, self.full_w - 20), 14)
        self.y += 4
        for mark, text in affiliations:
            line = [Word(text, self.font, 9.5, glue=bool(mark))]
            if mark:
                line.insert(0, Word(mark, self.font, 6.0, rise=3.5))
            self.centered_full([line], 12)
        self.y += 16
        self.col_top = self.y

    def footnotes(self, notes: list[tuple[str, str]]) -> None:
        """Marked notes at the foot of the current column under a short rule; the column's text stops above."""
        x = self.x
        y = self.floor - 12 * len(notes) - 4
        self.page.draw_line((x, y), (x + 60, y), color=(0, 0, 0), width=0.4)
        self.floors[self.col] = y - self.leading
        for mark, text in notes:
            y += 12
            draw_words(self.page, [Word(mark, self.font, 5.5, rise=3.0), Word(text, self.font, 7.5, glue=True)], x, y)

    # --- figures and tables -----------------------------------------------

    def caption_lines(self, text: str, width: float) -> list[list[Word]]:
        if self.bold_labels:
            label, text = text.split(": ", 1)
            return wrap(words_of(text, font=self.font, size=CAPTION_SIZE, bold=self.bold, lead=f"{label}:"), width)
        return wrap(words_of(text, font=self.font, size=CAPTION_SIZE, bold=self.bold), width)

    @staticmethod
    def _caption(page: pymupdf.Page, lines: list[list[Word]], x: float, y: float, width: float) -> float:
        """Draw caption lines from ``y`` down, a single line centred; return the bottom."""
        for line in lines:
            draw_words(page, line, x + max(0.0, (width - line_width(line)) / 2) if len(lines) == 1 else x, y + 8)
            y += CAPTION_LEAD
        return y

    def figure(self, spec: dict, *, wide: bool = False) -> None:
        """The art of ``spec`` with its caption under it, floated in a column or, ``wide``, across a page's top."""
        width = self.full_w if wide else self.col_w
        cap = self.caption_lines(spec["caption"], width)
        art_h = art.art_height(spec, width)

        def draw(page: pymupdf.Page, x: float, y: float) -> None:
            rect = pymupdf.Rect(x, y, x + width, y + art_h)
            art.paint(page, rect, spec)
            self._record("figure", page, rect, spec["caption"])
            self._caption(page, cap, x, y + art_h + 6, width)

        self.float_block(art_h + 6 + len(cap) * CAPTION_LEAD + 12, draw, wide=wide)

    def foot_figure(self, spec: dict, *, wide: bool = False) -> None:
        """Art at the foot of a first column, its caption opening the next column; or, ``wide``, art across the
        foot of a page, its caption opening the next page. The text above flows down to the art."""
        width = self.full_w if wide else self.col_w
        art_h = art.art_height(spec, width)
        while self.col or self.y > self.floor - art_h - FOOT_ROOM:
            self.next_column()
        rect = pymupdf.Rect(self.left, self.bottom - art_h, self.left + width, self.bottom)
        art.paint(self.page, rect, spec)
        self._record("figure", self.page, rect, spec["caption"])
        for col in range(self.columns) if wide else [0]:
            self.floors[col] = rect.y0 - FOOT_GAP
        cap = self.caption_lines(spec["caption"], width)

        def draw(page: pymupdf.Page, x: float, y: float) -> None:
            self._caption(page, cap, x, y, width)

        self.pending.insert(0, _Float(len(cap) * CAPTION_LEAD + 12, draw, wide))

    def table(self, spec: dict) -> None:
        """A booktabs table (``header``, ``rows``) under its caption, floated like a figure."""
        width = self.col_w
        cap = self.caption_lines(spec["caption"], width)
        size = 8.5 if self.columns == 2 else 9.0
        rows = [spec["header"]] + spec["rows"]
        col_w = [
            max(text_width(r[i], self.bold if j == 0 else self.font, size) for j, r in enumerate(rows)) + 14
            for i in range(len(spec["header"]))
        ]
        scale = min(1.0, width / sum(col_w))
        col_w = [w * scale for w in col_w]
        row_h = size * 1.45
        total = len(cap) * CAPTION_LEAD + 4 + row_h * len(rows) + 6 + 12

        def draw(page: pymupdf.Page, x: float, y: float) -> None:
            cy = self._caption(page, cap, x, y, width) + 4
            tx = x + (width - sum(col_w)) / 2
            tw = sum(col_w)
            top = cy
            page.draw_line((tx, cy), (tx + tw, cy), width=0.8)
            for j, row in enumerate(rows):
                cx = tx
                for i, cell in enumerate(row):
                    font = self.bold if j == 0 else self.font
                    cw = text_width(cell, font, size)
                    pos = cx + 7 if i == 0 else cx + (col_w[i] - cw) / 2
                    page.insert_text((pos, cy + row_h * 0.72), cell, fontname=font, fontsize=size)
                    cx += col_w[i]
                cy += row_h
                if j == 0:
                    page.draw_line((tx, cy), (tx + tw, cy), width=0.4)
            page.draw_line((tx, cy + 1), (tx + tw, cy + 1), width=0.8)
            self._record("table", page, pymupdf.Rect(tx, top, tx + tw, cy + 1), spec["caption"])

        self.float_block(total, draw, wide=False)
