"""Generate realistic arXiv-like PDFs with pymupdf, and the ground truth they were built from.

Words, widths and line breaking come from ``tests.pdfgen.text``, which the
bundled sample (scripts/make_sample.py, through ``tests.pdfgen.layout``) is set with too.

A paper is laid out like a conference paper: a full-width title block, then one
or two columns of body text with numbered section headings, running headers,
page-number footers and an optional line-number gutter. Figures are drawn as
vector plots (lines and text), embedded raster images, multi-panel figures and
tables; each records its rectangle and caption so tests can score detection.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import pymupdf
from PIL import Image

from tests.pdfgen import art
from tests.pdfgen.text import PAGE_H, PAGE_W, TruthFigure, Word, text_width, wrap

MARGIN_X, TOP, BOTTOM = 54.0, 72.0, 738.0
GUTTER = 18.0
BODY_SIZE, BODY_LEAD = 9.5, 11.5
CAPTION_SIZE, CAPTION_LEAD = 8.5, 10.0

WORDS = (
    "diffusion model sample noise schedule denoising score network training inference latent image "
    "prior posterior variance objective gradient guidance sampler step quality baseline benchmark "
    "dataset resolution encoder decoder attention token layer robust efficient transfer concept "
    "erase unlearning adversarial embedding surrogate search prompt generation evaluate metric"
).split()

AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
AFFILIATIONS = [
    "Department of Computing, University of Cambridge, UK",
    "Institute for Advanced Study, Princeton, USA",
    "Harvard University, Cambridge, USA",
]


@dataclass
class GeneratedPaper:
    data: bytes
    title: str
    authors: list[str]
    abstract: str
    affiliation: str
    figures: list[TruthFigure] = field(default_factory=list)
    # Marker tokens ("[P3]") in the order a reader meets them.
    paragraph_markers: list[str] = field(default_factory=list)
    # Section name -> a marker that must land in that section.
    section_markers: dict[str, str] = field(default_factory=dict)
    header_text: str = ""
    reference_marker: str = "[R-LIST]"
    code_links: list[str] = field(default_factory=list)
    page_count: int = 0
    two_column: bool = True


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _raster_png(rng: random.Random, w: int = 900, h: int = 600) -> bytes:
    """Return a colourful photo-like JPEG at a typical camera-figure resolution."""
    base = Image.linear_gradient("L").resize((w, h))
    r = base
    g = base.rotate(90).resize((w, h))
    b = Image.effect_noise((w, h), 60)
    img = Image.merge("RGB", (r, g, b))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


class _Writer:
    def __init__(self, *, two_column: bool, line_numbers: bool, header: str, rng: random.Random):
        self.doc = pymupdf.open()
        self.two_column = two_column
        self.line_numbers = line_numbers
        self.header = header
        self.rng = rng
        self.page: pymupdf.Page | None = None
        self.col = 0
        self.y = TOP
        self.col_top = TOP
        self.limit = BOTTOM
        self.line_no = 1
        self.markers: list[str] = []
        self.figures: list[TruthFigure] = []

    # --- geometry -----------------------------------------------------
    def cols(self) -> list[tuple[float, float]]:
        if self.two_column:
            w = (PAGE_W - 2 * MARGIN_X - GUTTER) / 2
            return [(MARGIN_X, MARGIN_X + w), (MARGIN_X + w + GUTTER, PAGE_W - MARGIN_X)]
        return [(MARGIN_X, PAGE_W - MARGIN_X)]

    def x_range(self) -> tuple[float, float]:
        return self.cols()[self.col]

    def text_width(self, text: str, font: str, size: float) -> float:
        return text_width(text, font, size)

    def wrap(self, text: str, width: float, font: str = "helv", size: float = BODY_SIZE) -> list[str]:
        lines = wrap([Word(w, font, size) for w in text.split()], width)
        return [" ".join(w.text for w in line) for line in lines if line]

    # --- pages and columns ---------------------------------------------
    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        number = self.doc.page_count
        if self.header:
            hw = self.text_width(self.header, "helv", 8)
            self.page.insert_text(((PAGE_W - hw) / 2, 48), self.header, fontname="helv", fontsize=8)
        footer = str(number)
        fw = self.text_width(footer, "helv", 9)
        self.page.insert_text(((PAGE_W - fw) / 2, 765), footer, fontname="helv", fontsize=9)
        self.col = 0
        self.y = TOP
        self.col_top = TOP

    def next_column(self) -> None:
        if self.two_column and self.col == 0:
            self.col = 1
            self.y = self.col_top
        else:
            self.new_page()

    def ensure(self, height: float) -> None:
        if self.page is None:
            self.new_page()
        if self.y + height > self.limit:
            self.limit = BOTTOM
            self.next_column()

    # --- text ---------------------------------------------------------
    def body_line(self, text: str, *, font: str = "helv", size: float = BODY_SIZE, lead: float = BODY_LEAD) -> None:
        self.ensure(lead)
        x0, _ = self.x_range()
        self.page.insert_text((x0, self.y + size), text, fontname=font, fontsize=size)
        if self.line_numbers:
            num = str(self.line_no)
            nx = 22 if self.col == 0 else PAGE_W - 40
            self.page.insert_text((nx, self.y + size), num, fontname="helv", fontsize=6.5, color=(0.4, 0.4, 0.4))
            self.line_no += 1
        self.y += lead

    def paragraph(self, text: str) -> None:
        x0, x1 = self.x_range()
        for line in self.wrap(text, x1 - x0):
            self.body_line(line)
        self.y += 4

    def marked_paragraph(self, sentences: int = 4) -> str:
        marker = f"[P{len(self.markers) + 1}]"
        self.markers.append(marker)
        body = " ".join(_sentence(self.rng) for _ in range(sentences))
        self.paragraph(f"{marker} {body}")
        return marker

    def heading(self, text: str) -> None:
        self.ensure(BODY_LEAD * 4)
        self.y += 6
        self.body_line(text, font="hebo", size=11, lead=15)
        self.y += 2

    # --- captions and figures -----------------------------------------
    def caption(self, label: str, text: str, x0: float, x1: float, y: float) -> float:
        """Write "label: text" from y down; return the bottom."""
        full = f"{label}: {text}"
        lines = self.wrap(full, x1 - x0, size=CAPTION_SIZE)
        for i, line in enumerate(lines):
            base = y + CAPTION_SIZE
            if i == 0:
                head = f"{label}:"
                self.page.insert_text((x0, base), head, fontname="hebo", fontsize=CAPTION_SIZE)
                rest = line[len(head) :].strip()
                hx = x0 + self.text_width(head + " ", "hebo", CAPTION_SIZE)
                self.page.insert_text((hx, base), rest, fontname="helv", fontsize=CAPTION_SIZE)
            else:
                self.page.insert_text((x0, base), line, fontname="helv", fontsize=CAPTION_SIZE)
            y += CAPTION_LEAD
        return y

    def caption_height(self, label: str, text: str, width: float) -> float:
        return len(self.wrap(f"{label}: {text}", width, size=CAPTION_SIZE)) * CAPTION_LEAD

    def record(self, kind: str, label: str, rect: pymupdf.Rect, caption: str) -> None:
        self.figures.append(
            TruthFigure(self.doc.page_count, kind, label, tuple(round(v, 1) for v in rect), f"{label}: {caption}")
        )

    def draw_plot(self, rect: pymupdf.Rect) -> None:
        """A line plot: axes, ticks, tick labels, two curves, a scatter, a legend and axis titles."""
        art.scatter_plot(self.page, rect, self.rng)

    def draw_raster(self, rect: pymupdf.Rect) -> None:
        self.page.insert_image(rect, stream=_raster_png(self.rng), keep_proportion=False)

    def draw_table(self, x0: float, x1: float, y: float, rows: int = 5) -> float:
        """Booktabs-style table: three rules and text cells. Return the bottom."""
        cols = ["Method", "FID", "IS", "CLIP"]
        cw = (x1 - x0) / len(cols)
        shape = self.page.new_shape()
        shape.draw_line((x0, y), (x1, y))
        shape.finish(color=(0, 0, 0), width=0.8)
        yy = y + 3
        for r in range(rows + 1):
            cells = (
                cols
                if r == 0
                else [f"Model {chr(64 + r)}", f"{10 + r * 1.7:.1f}", f"{150 - r * 3.1:.1f}", f"0.{30 - r}"]
            )
            for c, cell in enumerate(cells):
                font = "hebo" if r == 0 else "helv"
                self.page.insert_text((x0 + c * cw + 3, yy + 8), cell, fontname=font, fontsize=7.5)
            yy += 11
            if r == 0:
                shape.draw_line((x0, yy + 1), (x1, yy + 1))
                shape.finish(color=(0, 0, 0), width=0.5)
                yy += 3
        shape.draw_line((x0, yy + 2), (x1, yy + 2))
        shape.finish(color=(0, 0, 0), width=0.8)
        shape.commit()
        return yy + 3

    def column_figure(self, label: str, caption: str, draw: str, height: float = 130) -> None:
        x0, x1 = self.x_range()
        ch = self.caption_height(label, caption, x1 - x0)
        self.ensure(height + ch + 16)
        x0, x1 = self.x_range()
        rect = pymupdf.Rect(x0 + 8, self.y + 4, x1 - 8, self.y + 4 + height)
        (self.draw_plot if draw == "plot" else self.draw_raster)(rect)
        self.record("figure", label, rect, caption)
        self.y = self.caption(label, caption, x0, x1, rect.y1 + 6) + 10

    def column_table(self, label: str, caption: str) -> None:
        x0, x1 = self.x_range()
        ch = self.caption_height(label, caption, x1 - x0)
        self.ensure(ch + 100)
        x0, x1 = self.x_range()
        top = self.caption(label, caption, x0, x1, self.y + 2) + 4
        bottom = self.draw_table(x0 + 4, x1 - 4, top)
        self.record("table", label, pymupdf.Rect(x0 + 4, top, x1 - 4, bottom), caption)
        self.y = bottom + 12

    def wide_multipanel(self, label: str, caption: str, height: float = 120) -> None:
        """A full-width three-panel figure at the top of a fresh page, with (a)-(c) sub-captions."""
        self.new_page()
        x0, x1 = MARGIN_X, PAGE_W - MARGIN_X
        pw = (x1 - x0 - 20) / 3
        y0 = TOP
        for i, kind in enumerate(("raster", "plot", "plot")):
            rect = pymupdf.Rect(x0 + i * (pw + 10), y0, x0 + i * (pw + 10) + pw, y0 + height)
            (self.draw_plot if kind == "plot" else self.draw_raster)(rect)
            sub = f"({'abc'[i]}) {['Input', 'Loss curve', 'Accuracy'][i]}"
            self.page.insert_text((rect.x0 + pw / 2 - 18, rect.y1 + 10), sub, fontname="helv", fontsize=7.5)
        truth = pymupdf.Rect(x0, y0, x1, y0 + height + 13)
        self.record("figure", label, truth, caption)
        bottom = self.caption(label, caption, x0, x1, truth.y1 + 6)
        self.col_top = bottom + 12
        self.y = self.col_top

    def next_page_figure(self, label: str, caption: str, height: float = 200) -> None:
        """A page-wide figure at the foot of a page whose caption opens the next page."""
        if self.col == 1 or self.y > BOTTOM - height - 80:
            self.new_page()
        x0, x1 = MARGIN_X, PAGE_W - MARGIN_X
        rect = pymupdf.Rect(x0 + 8, BOTTOM - height, x1 - 8, BOTTOM)
        self.draw_plot(rect)
        self.record("figure", label, rect, caption)
        # Body text fills the column(s) down to the figure, as LaTeX would.
        self.limit = rect.y0 - 14
        for col in range(2 if self.two_column else 1):
            if col == 1:
                self.col, self.y = 1, self.col_top
            cx0, cx1 = self.x_range()
            while True:
                text = f"[P{len(self.markers) + 1}] " + " ".join(_sentence(self.rng) for _ in range(2))
                if self.y + len(self.wrap(text, cx1 - cx0)) * BODY_LEAD > self.limit:
                    break
                self.markers.append(text.split()[0])
                self.paragraph(text)
        self.limit = BOTTOM
        self.new_page()
        self.col_top = self.caption(label, caption, x0, x1, TOP) + 12
        self.y = self.col_top

    def split_figure(self, label: str, caption: str, height: float = 140) -> None:
        """A figure at the bottom of the left column whose caption opens the right column."""
        if not self.two_column:
            return self.column_figure(label, caption, "plot", height)
        if self.col == 1 or self.y > BOTTOM - height - 80:
            self.new_page()
        x0, x1 = self.cols()[0]
        rect = pymupdf.Rect(x0 + 8, BOTTOM - height, x1 - 8, BOTTOM)
        self.draw_plot(rect)
        self.record("figure", label, rect, caption)
        # Body text fills the left column down to the figure, as LaTeX would.
        self.limit = rect.y0 - 14
        while True:
            body = " ".join(_sentence(self.rng) for _ in range(2))
            text = f"[P{len(self.markers) + 1}] {body}"
            if self.y + len(self.wrap(text, x1 - x0)) * BODY_LEAD > self.limit:
                break
            self.markers.append(text.split()[0])
            self.paragraph(text)
        self.limit = BOTTOM
        self.col = 1
        rx0, rx1 = self.cols()[1]
        self.y = self.caption(label, caption, rx0, rx1, self.col_top) + 10


def make_paper(
    *,
    seed: int = 0,
    two_column: bool = True,
    figures: tuple[str, ...] = ("plot", "raster", "table", "multipanel", "split"),
    affiliation_style: str = "block",
    line_numbers: bool = True,
    header: str = "Preprint. Under review.",
    body_paragraphs: int = 3,
    title: str = "Probing Unlearned Diffusion Models with Transferable Attacks",
) -> GeneratedPaper:
    """Lay out one paper and return its bytes with the ground truth.

    ``figures`` picks which figure kinds appear, in this order through the paper:
    "plot" (vector line plot), "raster" (embedded image), "table" (caption above),
    "multipanel" (full-width three panels), "split" (caption at the top of the next
    column), "nextpage" (a page-wide figure at the foot of a page, its caption
    opening the next page). ``affiliation_style`` is "block" (numbered lines under the authors) or
    "footnote" (numbered footnotes at the bottom of the first column).
    """
    rng = random.Random(seed)
    w = _Writer(two_column=two_column, line_numbers=line_numbers, header=header, rng=rng)
    w.new_page()
    page = w.page

    # Title block, full width.
    tw = w.text_width(title, "hebo", 15)
    page.insert_text(((PAGE_W - tw) / 2, 100), title, fontname="hebo", fontsize=15)
    markers = [["1", "2"], ["2"], ["3", "*"]]
    x = 0.0
    parts = []
    for name, ms in zip(AUTHORS, markers):
        parts.append((name, ",".join(ms)))
    total = sum(w.text_width(n, "helv", 11) + w.text_width(m, "helv", 7) + 18 for n, m in parts)
    x = (PAGE_W - total) / 2
    for name, mk in parts:
        page.insert_text((x, 130), name, fontname="helv", fontsize=11)
        x += w.text_width(name, "helv", 11)
        page.insert_text((x + 0.5, 125), mk, fontname="helv", fontsize=7)
        x += w.text_width(mk, "helv", 7) + 18
    y = 146
    footnotes = [(str(i + 1), aff) for i, aff in enumerate(AFFILIATIONS)] + [
        ("*", "Corresponding author: ada@cam.ac.uk")
    ]
    if affiliation_style == "block":
        for mk, aff in footnotes:
            width = w.text_width(aff, "helv", 9.5) + 5
            page.insert_text(((PAGE_W - width) / 2, y - 4), mk, fontname="helv", fontsize=6.5)
            page.insert_text(((PAGE_W - width) / 2 + 5, y), aff, fontname="helv", fontsize=9.5)
            y += 13
    else:
        emails = "{ada, alan, grace}@example.org"
        ew = w.text_width(emails, "helv", 9)
        page.insert_text(((PAGE_W - ew) / 2, y), emails, fontname="helv", fontsize=9)
        y += 13
    w.col_top = y + 14
    w.y = w.col_top

    abstract = (
        "We study how unlearned diffusion models can be probed with transferable adversarial embeddings. "
        + " ".join(_sentence(rng) for _ in range(4))
        + " Code is available at https://github.com/ada-lab/probe-unlearn."
    )
    w.heading("Abstract")
    w.paragraph(abstract)

    if affiliation_style == "footnote":
        # Footnotes sit at the foot of the first column, under a short rule.
        x0, x1 = w.cols()[0]
        fy = BOTTOM - 13 * len(footnotes) - 4
        shape = page.new_shape()
        shape.draw_line((x0, fy), (x0 + 60, fy))
        shape.finish(color=(0, 0, 0), width=0.4)
        shape.commit()
        fy += 10
        for mk, aff in footnotes:
            page.insert_text((x0, fy - 3), mk, fontname="helv", fontsize=5.5)
            page.insert_text((x0 + 4, fy), aff, fontname="helv", fontsize=7.5)
            fy += 12

    section_markers: dict[str, str] = {}
    fig_no = 1
    tab_no = 1
    pending = list(figures)

    def place_next() -> None:
        nonlocal fig_no, tab_no
        if not pending:
            return
        kind = pending.pop(0)
        cap = _sentence(rng, 18)
        if kind == "table":
            w.column_table(f"Table {tab_no}", cap)
            tab_no += 1
            return
        label = f"Figure {fig_no}"
        fig_no += 1
        if kind in ("plot", "raster"):
            w.column_figure(label, cap, kind)
        elif kind == "multipanel":
            w.wide_multipanel(label, cap)
        elif kind == "split":
            w.split_figure(label, cap)
        elif kind == "nextpage":
            w.next_page_figure(label, cap)

    sections = [
        ("introduction", "1 Introduction"),
        ("related_work", "2 Related Work"),
        ("method", "3 Method"),
        ("experiments", "4 Experiments"),
        ("conclusion", "5 Conclusion"),
    ]
    for i, (key, head) in enumerate(sections):
        if i == 4 and affiliation_style == "footnote" and w.doc.page_count == 1:
            pass
        w.heading(head)
        first = w.marked_paragraph()
        section_markers[key] = first
        for _ in range(body_paragraphs - 1):
            w.marked_paragraph()
        if key == "introduction":
            # A link that exists only as an annotation, and a URL broken across lines.
            x0, _ = w.x_range()
            w.body_line("Our released models are on the hub:")
            w.body_line("https://huggingface.co/ada-lab/")
            w.body_line("probe-weights and the [code] is linked.")
            link_rect = pymupdf.Rect(x0 + 120, w.y - BODY_LEAD, x0 + 150, w.y)
            w.page.insert_link(
                {"kind": pymupdf.LINK_URI, "from": link_rect, "uri": "https://github.com/ada-lab/annotated-only"}
            )
            w.y += 4
        if key in ("method", "experiments"):
            place_next()
            place_next()
        if key == "conclusion":
            while pending:
                place_next()
    w.heading("References")
    refs = [
        "[1] A. Author. Denoising diffusion. In NeurIPS, 2020. [R-LIST] https://github.com/other/ddpm",
        "[2] B. Writer. Latent diffusion. In CVPR, 2022.",
    ]
    for ref in refs:
        w.paragraph(ref)

    data = w.doc.tobytes(garbage=3, deflate=True)
    page_count = w.doc.page_count
    w.doc.close()
    return GeneratedPaper(
        data=data,
        title=title,
        authors=list(AUTHORS),
        abstract=abstract,
        affiliation=AFFILIATIONS[0],
        figures=w.figures,
        paragraph_markers=w.markers,
        section_markers=section_markers,
        header_text=header,
        code_links=[
            "https://github.com/ada-lab/probe-unlearn",
            "https://huggingface.co/ada-lab/probe-weights",
            "https://github.com/ada-lab/annotated-only",
        ],
        page_count=page_count,
        two_column=two_column,
    )


def make_long_pdf(*, pages: int) -> bytes:
    """Return a plain text PDF with ``pages`` pages (for page-cap tests)."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_text(
            (MARGIN_X, 100), f"1 Introduction page {n + 1}" if n == 0 else f"Body text on page {n + 1}.", fontsize=10
        )
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def make_encrypted_pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret paper", fontsize=12)
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="reader", owner_pw="owner")
    doc.close()
    return data


STANDARD_SET = (
    dict(seed=1),
    dict(seed=2, affiliation_style="footnote"),
    dict(seed=3, two_column=False, figures=("plot", "table", "raster", "multipanel")),
    dict(seed=4, figures=("split", "raster", "plot"), line_numbers=False),
    dict(seed=5, figures=("table", "multipanel", "plot", "split", "raster"), body_paragraphs=4),
    dict(seed=6, figures=(), header=""),
)


def stored_paper(data: bytes, **paper_fields):
    """Create a Paper whose PaperContent holds ``data`` as its stored PDF (needs the DB)."""
    import hashlib

    from django.core.files.base import ContentFile

    from papers.models import PaperContent
    from tests.factories import PaperFactory

    paper_fields.setdefault("authors", list(AUTHORS))
    paper = PaperFactory(**paper_fields)
    content = PaperContent(
        paper=paper, pdf_version=paper.version, pdf_sha256=hashlib.sha256(data).hexdigest(), pdf_bytes=len(data)
    )
    content.pdf.save(f"{paper.arxiv_id}v{paper.version}.pdf", ContentFile(data), save=False)
    content.save()
    return paper
