"""Generate the bundled offline sample day: an arXiv API answer and one PDF per paper.

The facts (ids, titles, authors, abstracts, comments) are the arXiv metadata
recorded in the 2024-05-02 "Diffusion Models" reference digest; they and
everything the stand-in PDFs say and show are in ``papers.yaml`` beside the
sample. The PDFs are generated stand-ins, not the real papers: their prose
re-uses each abstract, and the typesetter the tests' papers use
(``tests/pdfgen``) lays them out. Output is byte-for-byte deterministic, so
re-running the script only changes files when the data or the typesetter change.

    python scripts/make_sample.py [--out DIR]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pymupdf
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.pdfgen.layout import Layout  # noqa: E402
from tests.pdfgen.text import PAGE_H, PAGE_W, SERIF, SERIF_ITALIC, draw_centred  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "papers" / "sample" / "2024-05-02"
DATA = DEFAULT_OUT / "papers.yaml"
# Fixed PDF dates: pymupdf would otherwise leave them empty, and any real
# clock value would make the output differ between runs.
PDF_DATE = "D:20240502000000Z"


@dataclass
class Paper:
    arxiv_id: str
    title: str
    authors: list[str]
    published: str
    categories: list[str]
    abstract: str
    # Everything below only shapes the generated PDF.
    short: str
    running_title: str
    columns: int
    affiliations: list[str]
    author_marks: list[list[int]]
    links: list[str]
    motivation: str
    contributions: list[str]
    related: list[str]
    method: list[str]
    experiments: list[str]
    ablated: list[str]
    limitation: str
    conclusion: str
    references: list[str]
    figures: list[dict]
    comment: str | None = None
    table: dict | None = None


@dataclass
class Day:
    query: str  # as the "Diffusion Models" topic would send it
    updated: str
    diffusion_refs: list[str]  # references that can stand for "diffusion models" in an introduction
    references: dict[str, str]
    papers: list[Paper] = field(default_factory=list)


def load(path: Path = DATA) -> Day:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Day(**{**raw, "papers": [Paper(**paper) for paper in raw["papers"]]})


# --- Prose ------------------------------------------------------------------

_PROPOSAL = re.compile(r"\b(we|this paper|this work|in response)\b", re.IGNORECASE)
_RESULT = re.compile(r"experiment|empirical|outperform", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text) if not s.startswith("Project page:")]


def abstract_parts(abstract: str) -> dict[str, list[str]]:
    """Split an abstract into background, proposal, method and result sentences."""
    sents = split_sentences(abstract)
    start = next(i for i, s in enumerate(sents) if _PROPOSAL.search(s))
    results = next(i for i in range(start + 1, len(sents)) if _RESULT.search(sents[i]))
    return {
        "background": sents[:start],
        "proposal": sents[start : start + 2],
        "method": sents[start + 2 : results],
        "results": sents[results:],
    }


def cite(text: str, keys: list[str]) -> str:
    """Turn [@ddpm, @ldm] into [1, 2] by the paper's reference order."""

    def number(match: re.Match) -> str:
        return "[" + ", ".join(str(keys.index(k.strip().lstrip("@")) + 1) for k in match.group(1).split(",")) + "]"

    return re.sub(r"\[(@[^\]]+)\]", number, text)


def _link_sentence(url: str) -> str:
    return f"Code is available at {url}." if "github.com" in url else f"Project page: {url}."


def implementation(paper: Paper) -> str:
    sampler = " [@ddim]" if "ddim" in paper.references else ""
    guidance = " and classifier-free guidance [@cfg]" if "cfg" in paper.references else ""
    return (
        f"We build {paper.short} on publicly released pretrained checkpoints and keep their default noise "
        f"schedules. Unless stated otherwise, we sample with the deterministic DDIM sampler{sampler} with 50 "
        f"steps{guidance}. All hyper-parameters are shared across experiments, and every number we report is "
        "averaged over three random seeds."
    )


def ablation(paper: Paper) -> str:
    first, second = paper.ablated
    return (
        f"We remove the components of {paper.short} one at a time and keep everything else fixed. Without "
        f"{first}, the results degrade on every measure we report; without {second}, the largest drop "
        "appears on the hardest cases described in Section 1. Removing both is worse than removing either, "
        "which confirms that the two components are complementary rather than redundant."
    )


# --- Papers -----------------------------------------------------------------


def abstract_block(layout: Layout, paper: Paper) -> None:
    if layout.columns == 1:
        layout.heading("Abstract", size=12, center=True)
        style = {"indent": 30}
    else:
        layout.heading("Abstract", size=11, center=True)
        style = {"font": SERIF_ITALIC}
    layout.paragraph(paper.abstract, after=4, **style)
    for url in paper.links:
        if url not in paper.abstract:
            layout.paragraph(_link_sentence(url), after=4, **style)


def run_in(layout: Layout, text: str) -> None:
    """Set a short first sentence ("Scoring.") as a bold run-in heading, as papers do."""
    lead, _, rest = text.partition(". ")
    if rest and len(lead.split()) <= 4:
        layout.paragraph(rest, lead=lead + ".")
    else:
        layout.paragraph(text)


def body(layout: Layout, paper: Paper, day: Day) -> None:
    parts = abstract_parts(paper.abstract)
    keys = paper.references
    figures = list(paper.figures)
    c = lambda text: cite(text, keys)  # noqa: E731
    indent = 12.0

    layout.heading("1 Introduction")
    if parts["background"]:
        backbones = [k for k in keys if k in day.diffusion_refs][:2]
        backbone = c(f"Diffusion models [@{', @'.join(backbones)}] are the backbone of these systems.")
        layout.paragraph(" ".join(parts["background"]) + " " + backbone)
    layout.paragraph(c(paper.motivation), first_indent=indent)
    layout.figure(figures.pop(0))
    layout.paragraph(" ".join(parts["proposal"]) + " Figure 1 gives an overview.", first_indent=indent)
    layout.paragraph("Our main contributions are summarised as follows:", first_indent=indent, after=1)
    for n, item in enumerate(paper.contributions, start=1):
        layout.paragraph(item, hanging=f"({n})", indent=6, after=1)
    for url in paper.links:
        layout.paragraph(_link_sentence(url), after=3)

    layout.heading("2 Related Work")
    for text in paper.related:
        lead, rest = text.split(". ", 1)
        layout.paragraph(c(rest), lead=lead + ".")

    layout.heading("3 Method")
    layout.heading("3.1 Overview", size=layout.size + 0.5)
    if parts["method"]:
        layout.paragraph(" ".join(parts["method"]))
    run_in(layout, c(paper.method[0]))
    layout.heading("3.2 Details", size=layout.size + 0.5)
    for text in paper.method[1:]:
        run_in(layout, c(text))
    layout.paragraph(c(implementation(paper)), lead="Implementation details.")

    layout.heading("4 Experiments")
    setup, results = paper.experiments
    lead, rest = setup.split(". ", 1)
    layout.paragraph(c(rest), lead=lead + ".")
    if paper.table:
        layout.table(paper.table)
    for spec in figures:
        layout.figure(spec)
    lead, rest = results.split(". ", 1)
    layout.paragraph(c(rest), lead=lead + ".")
    layout.paragraph(" ".join(parts["results"]), first_indent=indent)
    layout.paragraph(ablation(paper), lead="Ablation study.")

    layout.heading("5 Conclusion")
    layout.paragraph(paper.conclusion + " " + " ".join(parts["results"][:1]) + " " + paper.limitation)

    layout.heading("References")
    for n, key in enumerate(keys, start=1):
        layout.paragraph(day.references[key], hanging=f"[{n}]", size=8.5, after=1.5)
    layout.finish()


def _stamp_date(published: str) -> str:
    when = datetime.strptime(published, "%Y-%m-%dT%H:%M:%SZ")
    return f"{when.day} {when.strftime('%b %Y')}"


def decorate(doc: pymupdf.Document, paper: Paper, layout: Layout) -> None:
    """Running header, page numbers, the first-page footer and arXiv's side stamp."""
    for number, page in enumerate(doc, start=1):
        if number > 1:
            draw_centred(page, paper.running_title, 44, font=SERIF_ITALIC, size=8.5, colour=(0.25, 0.25, 0.25))
            page.draw_line((layout.left, 50), (PAGE_W - layout.left, 50), color=(0.4, 0.4, 0.4), width=0.4)
        draw_centred(page, str(number), PAGE_H - 34, font=SERIF, size=9)
    first = doc[0]
    first.insert_text((layout.left, PAGE_H - 48), "Preprint. Under review.", fontname=SERIF, fontsize=8.5)
    stamp = f"arXiv:{paper.arxiv_id}v1  [{paper.categories[0]}]  {_stamp_date(paper.published)}"
    first.insert_text((34, 560), stamp, fontname=SERIF, fontsize=20, rotate=90, color=(0.55, 0.55, 0.55))


def paper_pdf(paper: Paper, day: Day) -> bytes:
    """Return the generated stand-in PDF of one paper: NeurIPS-like in one column, CVPR-like in two."""
    doc = pymupdf.open()
    if paper.columns == 1:
        layout = Layout(doc, columns=1, left=90.0)
    else:
        layout = Layout(doc, columns=2, left=58.5, gutter=22.5)  # 3.25in columns, 0.3125in gutter
    layout.title_block(
        paper.title,
        [(name, ",".join(map(str, marks))) for name, marks in zip(paper.authors, paper.author_marks)],
        [(str(n), affiliation) for n, affiliation in enumerate(paper.affiliations, start=1)],
        title_size=15.0 if paper.columns == 1 else 14.0,
    )
    abstract_block(layout, paper)
    body(layout, paper, day)
    decorate(doc, paper, layout)
    doc.set_metadata(
        {
            "title": paper.title,
            "author": ", ".join(paper.authors),
            "subject": f"arXiv:{paper.arxiv_id}v1 (generated sample stand-in)",
            "creator": "paperdigest scripts/make_sample.py",
            "producer": "PyMuPDF",
            "creationDate": PDF_DATE,
            "modDate": PDF_DATE,
        }
    )
    data = doc.tobytes(garbage=4, deflate=True, deflate_images=True, no_new_id=True)
    pages = doc.page_count
    doc.close()
    if not 3 <= pages <= 5:
        raise SystemExit(f"{paper.arxiv_id}: {pages} pages; the sample needs 3-5")
    return data


# --- Atom feed --------------------------------------------------------------

OS_NS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
ATOM_SCHEME = "http://arxiv.org/schemas/atom"
ARXIV_NS = f'xmlns:arxiv="{ATOM_SCHEME}"'


def feed_xml(day: Day) -> bytes:
    """Return the arXiv API answer for the sample day, in arXiv's own layout."""
    args = f"search_query={day.query}&id_list=&start=0&max_results=100"
    feed_id = base64.b64encode(hashlib.sha1(args.encode()).digest()).decode().rstrip("=")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f'  <link href="http://arxiv.org/api/query?{quote(args, safe="")}" rel="self" type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {escape(args)}</title>',
        f"  <id>http://arxiv.org/api/{feed_id}</id>",
        f"  <updated>{day.updated}</updated>",
        f"  <opensearch:totalResults {OS_NS}>{len(day.papers)}</opensearch:totalResults>",
        f"  <opensearch:startIndex {OS_NS}>0</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage {OS_NS}>100</opensearch:itemsPerPage>",
    ]
    for paper in day.papers:
        vid = f"{paper.arxiv_id}v1"
        out += [
            "  <entry>",
            f"    <id>http://arxiv.org/abs/{vid}</id>",
            f"    <updated>{paper.published}</updated>",
            f"    <published>{paper.published}</published>",
            f"    <title>{escape(paper.title)}</title>",
            f"    <summary>{escape(paper.abstract)}</summary>",
        ]
        for name in paper.authors:
            out += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
        if paper.comment:
            out.append(f"    <arxiv:comment {ARXIV_NS}>{escape(paper.comment)}</arxiv:comment>")
        out += [
            f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
            f'    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>',
            f'    <arxiv:primary_category {ARXIV_NS} term="{paper.categories[0]}" scheme="{ATOM_SCHEME}"/>',
        ]
        out += [f'    <category term="{cat}" scheme="{ATOM_SCHEME}"/>' for cat in paper.categories]
        out.append("  </entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")


def sample_write(*, out: Path) -> list[Path]:
    """Write arxiv.xml and pdfs/<id>v1.pdf under ``out``; return the files written."""
    day = load()
    (out / "pdfs").mkdir(parents=True, exist_ok=True)
    written = [out / "arxiv.xml"]
    written[0].write_bytes(feed_xml(day))
    for paper in day.papers:
        path = out / "pdfs" / f"{paper.arxiv_id}v1.pdf"
        path.write_bytes(paper_pdf(paper, day))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the bundled offline sample day.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for path in sample_write(out=args.out):
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
