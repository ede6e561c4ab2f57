"""Build the caption fixtures (tests/fixtures/captions/*.pdf) from their .tex sources with pdflatex.

    .venv/bin/python scripts/make_caption_fixtures.py

The PDFs are committed, so the tests need no LaTeX; the truth is the caption
text written in the .tex files. The plot and the "screenshot" of another
document are vector PDFs drawn here with pymupdf (included as Form XObjects).
jitter.pdf is drawn with pymupdf alone, as word processors write captions: the
"Fig. 4." label and the caption's words are separate text objects, the words
set 1 pt higher than the label after a tab-wide gap (pdfTeX keeps
such a shift on one line).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pymupdf
from latex import pdflatex, require_pdflatex

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "captions"
SOURCES = ("ieee.tex", "article.tex")


def plot_pdf() -> bytes:
    """Axes, ticks and one curve: a small vector plot."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=160)
    shape = page.new_shape()
    shape.draw_line((40, 130), (290, 130))
    shape.draw_line((40, 130), (40, 10))
    for i in range(6):
        shape.draw_line((40 + 50 * i, 130), (40 + 50 * i, 134))
    shape.finish(color=(0, 0, 0), width=0.8)
    shape.draw_polyline([(40 + 5 * t, 130 - 110 * (1 - (1 - t / 50) ** 2)) for t in range(51)])
    shape.finish(color=(0.1, 0.4, 0.8), width=1.4)
    shape.commit()
    for i in range(6):
        page.insert_text((36 + 50 * i, 146), str(10 * i), fontsize=7)
    page.insert_text((150, 157), "Epoch", fontsize=8)
    return doc.tobytes(garbage=3, deflate=True)


def screenshot_pdf(*, fontsize: float = 7, caption: str = "") -> bytes:
    """A page of some other report: a framed sheet with its own body text and its own caption.

    At the default size the sheet's text comes out tiny in the paper; ``slide.pdf``
    sets it large enough to pass for the paper's own caption size.
    """
    caption = caption or "Figure 9: Running time of the sieve against the dimension, for three list sizes."
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=300)
    page.draw_rect(pymupdf.Rect(2, 2, 418, 298), color=(0.3, 0.3, 0.3), width=0.8)
    page.insert_text((30, 30), "Notes on Lattice Sieving for Small Dimensions", fontsize=11)
    filler = (
        "The sieve keeps a list of short vectors and reduces every new sample against it until the list is "
        "stable. We report timings for dimensions forty to sixty on one machine."
    )
    y = 50
    for _ in range(3):
        page.insert_textbox(pymupdf.Rect(30, y, 390, y + 30), filler, fontsize=fontsize)
        y += 32
    page.draw_rect(pymupdf.Rect(110, 150, 310, 225), color=(0, 0, 0), fill=(0.85, 0.9, 0.95), width=0.6)
    page.insert_text((30, 240), caption, fontsize=fontsize)
    page.insert_textbox(pymupdf.Rect(30, 252, 390, 290), filler, fontsize=fontsize)
    return doc.tobytes(garbage=3, deflate=True)


JITTER_CAPTION = (
    "Fig. 4. Memory traffic of the bucketed sieve per epoch, measured with hardware counters "
    "on one core; reads dominate writes by a factor of four in every dimension."
)
JITTER_BODY = (
    "The counters show that the sieve spends most of its time waiting for memory. Reads of the list "
    "dominate, and the writes that insert a new vector are rare once the list is full. A larger cache "
    "would therefore help more than a faster core, which matches the timings reported above for all "
    "three methods and every dimension we tried on the desktop machines."
)


def _wrap(words: list[str], width: float, fontsize: float, first_indent: float = 0.0) -> list[str]:
    """Greedy line breaking in Times (pymupdf's "tiro"), the first line ``first_indent`` shorter."""
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if pymupdf.get_text_length(trial, "tiro", fontsize) > width - (0.0 if lines else first_indent):
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line]


def jitter_pdf() -> bytes:
    """A page whose figure caption has its first line 1 pt above its label."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    x0, x1, size = 54.0, 300.0, 10.0

    def para(y: float, text: str, fontsize: float) -> float:
        for text_line in _wrap(text.split(), x1 - x0, fontsize):
            page.insert_text((x0, y), text_line, fontname="tiro", fontsize=fontsize)
            y += fontsize * 1.2
        return y

    y = para(72, JITTER_BODY, size)
    shape = page.new_shape()
    shape.draw_rect(pymupdf.Rect(x0 + 20, y + 4, x1 - 20, y + 130))
    for i in range(8):
        shape.draw_rect(pymupdf.Rect(x0 + 34 + 24 * i, y + 120 - 12 * i, x0 + 50 + 24 * i, y + 128))
    shape.finish(color=(0, 0, 0), fill=(0.6, 0.7, 0.9), width=0.6)
    shape.commit()
    y += 148
    label = "Fig. 4."
    rest = JITTER_CAPTION[len(label) + 1 :].split()
    cap_size = 8.0
    indent = pymupdf.get_text_length(label, "tiro", cap_size) + 10
    page.insert_text((x0, y), label, fontname="tiro", fontsize=cap_size)
    for n, text_line in enumerate(_wrap(rest, x1 - x0, cap_size, first_indent=indent)):
        # The first line's words sit 1 pt above the label, as word processors set them.
        at = (x0 + indent, y - 1.0) if n == 0 else (x0, y)
        page.insert_text(at, text_line, fontname="tiro", fontsize=cap_size)
        y += 9.0
    para(y + 14, JITTER_BODY, size)
    return doc.tobytes(garbage=3, deflate=True)


def main() -> None:
    (HERE / "jitter.pdf").write_bytes(jitter_pdf())
    require_pdflatex()
    for source in SOURCES:
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            shutil.copy(HERE / source, workdir / source)
            (workdir / "plot.pdf").write_bytes(plot_pdf())
            (workdir / "screenshot.pdf").write_bytes(screenshot_pdf())
            (workdir / "slide.pdf").write_bytes(screenshot_pdf(fontsize=9, caption="Figure 12: Sieve timings."))
            pdf = Path(source).with_suffix(".pdf").name
            shutil.copy(pdflatex(workdir, source), HERE / pdf)
        print(f"wrote {HERE / pdf} ({(HERE / pdf).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
