"""Build tests/fixtures/latex/paper.pdf (and a one-column variant) from paper.tex with Debian's pdflatex.

    apt-get install texlive-latex-base && .venv/bin/python scripts/make_latex_fixture.py

The PDF is committed, so the tests need no LaTeX. The plot is a vector PDF
drawn with pymupdf (included as a Form XObject, as matplotlib figures are) and
the raster a PNG drawn with Pillow; both are made here, next to the source.
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
from pathlib import Path

import pymupdf
from latex import pdflatex, require_pdflatex
from PIL import Image

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "latex"


def plot_pdf() -> bytes:
    """A line plot like matplotlib's: axes, ticks, labels, two curves, markers, a rotated y title."""
    doc = pymupdf.open()
    page = doc.new_page(width=320, height=200)
    ax = pymupdf.Rect(48, 12, 310, 165)
    shape = page.new_shape()
    shape.draw_line(ax.bl, ax.br)
    shape.draw_line(ax.bl, ax.tl)
    for i in range(5):
        shape.draw_line((ax.x0 + i * ax.width / 4, ax.y1), (ax.x0 + i * ax.width / 4, ax.y1 + 4))
        shape.draw_line((ax.x0 - 4, ax.y1 - i * ax.height / 4), (ax.x0, ax.y1 - i * ax.height / 4))
    shape.finish(color=(0, 0, 0), width=0.8)
    rng = random.Random(7)
    for color, power in (((0.12, 0.47, 0.71), 2.0), ((1.0, 0.5, 0.05), 3.0)):
        pts = [(ax.x0 + t / 40 * ax.width, ax.y1 - ax.height * 0.9 * (1 - (1 - t / 40) ** power)) for t in range(41)]
        shape.draw_polyline(pts)
        shape.finish(color=color, width=1.5)
        for x, y in pts[::2]:
            shape.draw_circle((x, y + rng.gauss(0, 4)), 1.6)
        shape.finish(color=color, fill=color, width=0.3)
    shape.commit()
    for i in range(5):
        page.insert_text((ax.x0 + i * ax.width / 4 - 6, ax.y1 + 14), str(i * 50), fontsize=8)
        page.insert_text((ax.x0 - 24, ax.y1 - i * ax.height / 4 + 3), f"{i * 25}", fontsize=8)
    page.insert_text((ax.x0 + ax.width / 2 - 14, 196), "Steps", fontsize=9)
    page.insert_text((12, ax.y0 + ax.height / 2 + 30), "Success (%)", fontsize=9, rotate=90)
    page.insert_text((ax.x1 - 70, ax.y1 - 40), "ours", fontsize=8)
    page.insert_text((ax.x1 - 70, ax.y1 - 28), "baseline", fontsize=8)
    return doc.tobytes(garbage=3, deflate=True)


def raster_jpeg() -> bytes:
    w, h = 600, 200
    img = Image.new("RGB", (w, h))
    px = img.load()
    rng = random.Random(3)
    for x in range(w):
        for y in range(h):
            panel = x * 4 // w
            px[x, y] = (
                (x * 255 // w + rng.randint(0, 30)) % 256,
                (y * 255 // h + panel * 50) % 256,
                (120 + panel * 40 + rng.randint(0, 20)) % 256,
            )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


# The same paper in one column: the plots are scaled up to the text width, so
# their tick labels come out larger than the body text.
VARIANTS = {
    "paper.pdf": lambda tex: tex,
    "paper-onecolumn.pdf": lambda tex: tex.replace("[10pt,twocolumn]{article}", "[11pt]{article}").replace(
        "figure*", "figure"
    ),
}


def main() -> None:
    require_pdflatex()
    source = (HERE / "paper.tex").read_text()
    for name, variant in VARIANTS.items():
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            (workdir / "paper.tex").write_text(variant(source))
            (workdir / "plot.pdf").write_bytes(plot_pdf())
            (workdir / "raster.jpg").write_bytes(raster_jpeg())
            shutil.copy(pdflatex(workdir, "paper.tex"), HERE / name)
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
