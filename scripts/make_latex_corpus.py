"""Build tests/fixtures/corpus/<name>/paper.pdf and truth.json from each paper.tex with pdflatex.

    .venv/bin/python scripts/make_latex_corpus.py [--corpus DIR] [name ...]

The truth comes from LaTeX, never from our own code: every float's caption is
set with ``\\tcaption{above|below}{text}`` (corpustruth.sty, written here into
the build directory), which records the float kind, number, the caption text
as written and, at shipout, the page and the position of the caption's first
and last character (``\\pdfsavepos``). The paper's metadata (style, authors as
arXiv lists them, first author's affiliation or null when the paper leaves it
ambiguous, links with their role) is a JSON block of ``%TRUTH`` comment lines
at the top of the .tex. The PDFs are committed, so the tests need no LaTeX.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latex import pdflatex, require_pdflatex  # noqa: E402
from make_latex_fixture import plot_pdf  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
BP_PER_SP = 72 / 72.27 / 65536

STY = r"""
\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{corpustruth}
\newwrite\truth@file
\immediate\openout\truth@file=\jobname.truth
\newcount\truth@n
\DeclareRobustCommand\truth@mark[2]{%
  \pdfsavepos\write\truth@file{pos #1 #2 \thepage\space\the\pdflastxpos\space\the\pdflastypos}}
\newcommand\tcaption[2]{%
  \global\advance\truth@n by 1
  \edef\truth@id{\the\truth@n}%
  \caption[\truth@id]{\expandafter\truth@mark\expandafter{\truth@id}{s}#2\expandafter\truth@mark\expandafter{\truth@id}{e}}%
  \immediate\write\truth@file{cap \truth@id\space\@captype\space\arabic{\@captype}\space #1 \detokenize{#2}}%
  \def\truth@where{#1}%
  \ifx\truth@where\truth@above
    \let\truth@cap\truth@id
  \else
    \ifx\truth@bodies\@empty\else\immediate\write\truth@file{link \truth@id\truth@bodies}\fi
    \let\truth@cap\@empty
  \fi
  \def\truth@bodies{}}
\def\truth@above{above}
% \tfloatbody{content}: the float's body (tabular, image) in a box whose top-left and bottom-right
% corners are recorded at shipout. A caption above owns the bodies after it, a caption below the
% bodies before it (so two stacked tables in one float stay apart); the float environment is a
% group, so they find each other through local macros.
\newcount\truth@b
\newbox\truth@box
\def\truth@bodies{}
\let\truth@cap\@empty
\newcommand\tfloatbody[1]{%
  \global\advance\truth@b by 1
  \edef\truth@bid{b\the\truth@b}%
  \setbox\truth@box\hbox{#1}%
  \leavevmode\hbox{%
    \raise\ht\truth@box\hbox{\expandafter\truth@mark\expandafter{\truth@bid}{tl}}%
    \copy\truth@box
    \lower\dp\truth@box\hbox{\expandafter\truth@mark\expandafter{\truth@bid}{br}}}%
  \ifx\truth@cap\@empty
    \edef\truth@bodies{\truth@bodies\space\truth@bid}%
  \else
    \immediate\write\truth@file{link \truth@cap\space\truth@bid}%
  \fi}
"""

# A stub for the one file newtx (used by acmart) inputs that Debian splits into another package.


def roman(n: int) -> str:
    out = ""
    for value, digits in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += digits
            n -= value
    return out


def tighten(page: pymupdf.Page, pad: float = 2.0) -> None:
    """Crop the page to its ink, as pdfcrop does: the body box LaTeX records is then the chart itself."""
    ink = pymupdf.Rect()
    for _kind, rect in page.get_bboxlog():
        ink |= pymupdf.Rect(rect)
    page.set_cropbox((ink + (-pad, -pad, pad, pad)) & page.rect)


def bars_pdf() -> bytes:
    """A grouped bar chart with a legend, drawn as vectors."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=180)
    shape = page.new_shape()
    shape.draw_line((40, 150), (290, 150))
    shape.draw_line((40, 150), (40, 10))
    shape.finish(color=(0, 0, 0), width=0.8)
    colors = ((0.2, 0.4, 0.7), (0.85, 0.4, 0.1), (0.3, 0.6, 0.3))
    for g in range(5):
        for k, color in enumerate(colors):
            h = 30 + 18 * ((g * 7 + k * 5) % 6)
            x = 52 + g * 48 + k * 12
            shape.draw_rect(pymupdf.Rect(x, 150 - h, x + 10, 150))
            shape.finish(color=color, fill=color, width=0.2)
    shape.commit()
    for g, name in enumerate(("easy", "mid", "hard", "ood", "all")):
        page.insert_text((56 + g * 48, 164), name, fontsize=8)
    for i in range(4):
        page.insert_text((18, 153 - i * 35), str(i * 25), fontsize=8)
    page.insert_text((200, 20), "ours  base  oracle", fontsize=7)
    tighten(page)
    return doc.tobytes(garbage=3, deflate=True)


def screenshot_pdf() -> bytes:
    """A drawn screenshot of another paper's page: tiny text, including its own "Figure 7:" caption."""
    doc = pymupdf.open()
    page = doc.new_page(width=260, height=200)
    shape = page.new_shape()
    shape.draw_rect(pymupdf.Rect(2, 2, 258, 198))
    shape.finish(color=(0.5, 0.5, 0.5), fill=(0.97, 0.97, 0.95), width=0.6)
    shape.draw_rect(pymupdf.Rect(20, 60, 240, 120))
    shape.finish(color=(0.3, 0.3, 0.6), fill=(0.85, 0.88, 0.95), width=0.5)
    shape.commit()
    lines = [
        "retrieval depth is fixed at sixteen passages for every query",
        "and the reranker sees the concatenated candidates once.",
    ]
    for i, text in enumerate(lines):
        page.insert_text((14, 22 + i * 9), text, fontsize=5)
    page.insert_text((20, 134), "Figure 7: Reranker accuracy as the candidate pool grows,", fontsize=5)
    page.insert_text((20, 141), "averaged over three seeds.", fontsize=5)
    for i in range(5):
        page.insert_text(
            (14, 160 + i * 8), "the held-out split keeps the query distribution of training " * 1, fontsize=5
        )
    return doc.tobytes(garbage=3, deflate=True)


def photo_png(seed: int = 1) -> bytes:
    """A smooth synthetic 'photo' (gradients and shapes compress well, unlike noise)."""
    w, h = 480, 300
    img = Image.new("RGB", (w, h))
    px = img.load()
    for x in range(w):
        for y in range(h):
            px[x, y] = (
                int(120 + 100 * math.sin(x / 57 + seed)),
                int(110 + 90 * math.cos(y / 41 + seed)),
                int(140 + 80 * math.sin((x + y) / 90)),
            )
    draw = ImageDraw.Draw(img)
    for i in range(6):
        draw.ellipse((30 + i * 70, 80 + (i % 2) * 60, 90 + i * 70, 140 + (i % 2) * 60), fill=(240, 230, 200))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


ASSETS = {
    "plot.pdf": plot_pdf,
    "bars.pdf": bars_pdf,
    "screenshot.pdf": screenshot_pdf,
    "photo.png": photo_png,
}


def clean_caption(tex: str) -> str:
    text = tex.replace("\\%", "%").replace("~", " ").replace("\\&", "&").replace("--", "\u2013")
    text = re.sub(r"\\[a-zA-Z]+\s*", "", text).replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def clean_abstract(tex: str) -> str:
    text = re.sub(r"\\url\{([^}]*)\}", r"\1", tex)
    text = re.sub(r"\\footnote\{[^}]*\}", "", text)
    return clean_caption(text)


def meta_of(source: str) -> dict:
    block = "\n".join(line[len("%TRUTH") :] for line in source.splitlines() if line.startswith("%TRUTH"))
    return json.loads(block)


def body_rect(bodies: list[str], positions: dict, page: int, height: float) -> list[float] | None:
    """The union of a float's body boxes, [x0, y0, x1, y1] in points from the page's top-left."""
    boxes = []
    for body in bodies:
        if (body, "tl") not in positions or (body, "br") not in positions:
            return None
        (p0, x0, y0), (p1, x1, y1) = positions[(body, "tl")], positions[(body, "br")]
        if p0 != page or p1 != page:
            return None
        boxes.append((x0 * BP_PER_SP, height - y0 * BP_PER_SP, x1 * BP_PER_SP, height - y1 * BP_PER_SP))
    if not boxes:
        return None
    return [round(f(b[i] for b in boxes), 1) for i, f in ((0, min), (1, min), (2, max), (3, max))]


def read_truth(side: str, pdf: Path, meta: dict, source: str) -> dict:
    caps: dict[str, dict] = {}
    positions: dict[tuple[str, str], tuple[int, float, float]] = {}
    links: dict[str, list[str]] = {}
    for line in side.splitlines():
        if line.startswith("cap "):
            _, ident, kind, number, where, text = line.split(" ", 5)
            caps[ident] = {"kind": kind, "number": int(number), "where": where, "text": text}
        elif line.startswith("link "):
            _, ident, *bodies = line.split()
            links.setdefault(ident, []).extend(bodies)
        elif line.startswith("pos "):
            _, ident, end, page, x, y = line.split()
            positions[(ident, end)] = (int(page), int(x), int(y))
    floats = []
    with pymupdf.open(pdf) as doc:
        for ident, cap in caps.items():
            page, xs, ys = positions[(ident, "s")]
            _, xe, ye = positions[(ident, "e")]
            height = doc.load_page(page - 1).rect.height
            fmt = meta["labels"][cap["kind"]]
            n = cap["number"]
            entry = {
                "kind": cap["kind"],
                "number": n,
                "label": fmt.format(n=n, R=roman(n)),
                "page": page,
                "caption": clean_caption(cap["text"]),
                "caption_position": cap["where"],
                # baselines of the caption's first and last characters, from the page top
                "caption_x": round(xs * BP_PER_SP, 1),
                "caption_x_last": round(xe * BP_PER_SP, 1),
                "caption_y_first": round(height - ys * BP_PER_SP, 1),
                "caption_y_last": round(height - ye * BP_PER_SP, 1),
                "caption_y_top": round(height - ys * BP_PER_SP - 9, 1),
            }
            rect = body_rect(links.get(ident, []), positions, page, height)
            if rect:
                entry["body_rect"] = rect
            floats.append(entry)
        pages = doc.page_count
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", source, re.S)
    return {
        "style": meta["style"],
        # The title as arXiv lists it, for a paper that sets its title without \\title{…}.
        **({"title": meta["title"]} if "title" in meta else {}),
        "pages": pages,
        "authors": meta["authors"],
        "abstract": clean_abstract(abstract.group(1)) if abstract else "",
        "comment": meta.get("comment", ""),
        "affiliation": meta["affiliation"],
        "affiliation_institutions": meta.get("institutions", []),
        "links": meta["links"],
        "floats": floats,
    }


def build(folder: Path) -> None:
    source = (folder / "paper.tex").read_text()
    meta = meta_of(source)
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        (workdir / "paper.tex").write_text(source)
        (workdir / "corpustruth.sty").write_text(STY)
        for name, make in ASSETS.items():
            (workdir / name).write_bytes(make())
        try:
            pdf = pdflatex(workdir, "paper.tex")
        except SystemExit as failed:
            raise SystemExit(f"{folder.name}: {failed}") from None
        truth = read_truth((workdir / "paper.truth").read_text(), pdf, meta, source)
        shutil.copy(pdf, folder / "paper.pdf")
    (folder / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
    size = (folder / "paper.pdf").stat().st_size
    print(f"{folder.name}: {truth['pages']} pages, {len(truth['floats'])} floats, {size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description="Build paper.pdf and truth.json for each corpus paper.")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of <name>/paper.tex")
    parser.add_argument("names", nargs="*", help="papers to build (default: all)")
    args = parser.parse_args()
    require_pdflatex()
    names = args.names or sorted(p.name for p in args.corpus.iterdir() if (p / "paper.tex").exists())
    for name in names:
        build(args.corpus / name)


if __name__ == "__main__":
    main()
