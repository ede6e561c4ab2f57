"""Words, their widths, line breaking and drawing one line, for pymupdf's built-in fonts."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf

PAGE_W, PAGE_H = 612.0, 792.0
BLACK = (0, 0, 0)
LINK_COLOUR = (0.55, 0.0, 0.55)
SERIF, SERIF_BOLD, SERIF_ITALIC, SANS, SANS_BOLD = "tiro", "tibo", "tiit", "helv", "hebo"

_WIDTHS: dict[tuple[str, str, float], float] = {}


def text_width(text: str, font: str, size: float) -> float:
    key = (text, font, size)
    if key not in _WIDTHS:
        _WIDTHS[key] = pymupdf.get_text_length(text, fontname=font, fontsize=size)
    return _WIDTHS[key]


@dataclass
class TruthFigure:
    """Where a figure or table was drawn: the truth figure detection is scored against."""

    page: int  # 1-based
    kind: str  # "figure" | "table"
    label: str  # "Figure 2"
    rect: tuple[float, float, float, float]
    caption: str


@dataclass
class Word:
    text: str
    font: str
    size: float
    colour: tuple = BLACK
    uri: str | None = None
    rise: float = 0.0
    glue: bool = False  # no space before this word

    @property
    def width(self) -> float:
        return text_width(self.text, self.font, self.size)


def words_of(text: str, *, font: str, size: float, bold: str, lead: str = "") -> list[Word]:
    """Split prose into words; URLs become coloured link words, a run-in lead is bold."""
    words = [Word(w, bold, size) for w in lead.split()]
    for token in text.split():
        match = re.match(r"(https?://\S+?)([.,;)]*)$", token)
        if match:
            words.append(Word(match.group(1), font, size, LINK_COLOUR, uri=match.group(1)))
            if match.group(2):
                words.append(Word(match.group(2), font, size, glue=True))
        else:
            words.append(Word(token, font, size))
    return words


def line_width(words: list[Word]) -> float:
    total = 0.0
    for i, w in enumerate(words):
        if i and not w.glue:
            total += text_width(" ", words[i - 1].font, words[i - 1].size)
        total += w.width
    return total


def wrap(words: list[Word], width: float, first_width: float | None = None) -> list[list[Word]]:
    lines: list[list[Word]] = [[]]
    limit = first_width if first_width is not None else width
    for w in words:
        candidate = lines[-1] + [w]
        if lines[-1] and not w.glue and line_width(candidate) > limit:
            lines.append([w])
            limit = width
        else:
            lines[-1] = candidate
    return lines


def draw_words(page: pymupdf.Page, words: list[Word], x: float, baseline: float) -> None:
    """Draw one line, one text run per change of font, colour or link."""
    run: list[Word] = []

    def flush(cx: float) -> float:
        if not run:
            return cx
        text = " ".join(w.text for w in run)
        head = run[0]
        page.insert_text((cx, baseline - head.rise), text, fontname=head.font, fontsize=head.size, color=head.colour)
        width = text_width(text, head.font, head.size)
        if head.uri:
            rect = pymupdf.Rect(cx, baseline - head.size * 0.85, cx + width, baseline + head.size * 0.25)
            page.insert_link({"kind": pymupdf.LINK_URI, "from": rect, "uri": head.uri})
        run.clear()
        return cx + width

    cx = x
    for i, w in enumerate(words):
        same = (
            run
            and (w.font, w.size, w.colour, w.uri, w.rise)
            == (run[0].font, run[0].size, run[0].colour, run[0].uri, run[0].rise)
            and not w.glue
            and not w.uri
        )
        if same:
            run.append(w)
            continue
        cx = flush(cx)
        if i and not w.glue:
            cx += text_width(" ", words[i - 1].font, words[i - 1].size)
        run.append(w)
    flush(cx)


def draw_centred(
    page: pymupdf.Page, text: str, y: float, *, font: str, size: float, colour: tuple | None = None
) -> None:
    """One line of page furniture centred across the page."""
    page.insert_text(((PAGE_W - text_width(text, font, size)) / 2, y), text, fontname=font, fontsize=size, color=colour)
