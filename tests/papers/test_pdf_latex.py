"""The PDF stage on a true two-column LaTeX paper (tests/fixtures/latex, built by scripts/make_latex_fixture.py).

pdfTeX output differs from the generated papers where it matters: spaces are
inferred from gaps (MuPDF gives them spans of their own), ligatures, section
numbers and caption labels set apart from their text, floats on a float page,
and the plot arriving as an included PDF (a Form XObject).
"""

import re
from pathlib import Path

import pymupdf
import pytest

from papers.services.parse import paper_parse
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "latex"
PDF = FIXTURES / "paper.pdf"
ONE_COLUMN = FIXTURES / "paper-onecolumn.pdf"


def iou(a, b) -> float:
    ra, rb = pymupdf.Rect(a), pymupdf.Rect(b)
    inter = ra & rb
    return 0.0 if inter.is_empty else abs(inter) / (abs(ra) + abs(rb) - abs(inter))


@pytest.fixture
def parsed():
    paper = stored_paper(PDF.read_bytes(), abstract="", comment="")
    content = paper_parse(paper=paper)
    return content, {f.label: f for f in paper.figures.all()}


def test_words_keep_their_spaces_and_ligatures_are_spelled_out(parsed):
    content, _ = parsed
    assert content.text.startswith("Probing Unlearned Diffusion Models with Transferable Attacks")
    assert "fine-tunes a model so that a concept no longer appears" in content.text
    assert not re.search(r"[a-z]{30}", content.text)  # no words glued together


def test_paragraphs_come_in_reading_order(parsed):
    content, _ = parsed
    assert re.findall(r"\[L\d+\]", content.text) == [f"[L{i}]" for i in range(1, 11)]


def test_sections_are_found_although_their_numbers_stand_apart(parsed):
    content, _ = parsed
    assert list(content.sections) == [
        "abstract",
        "introduction",
        "related_work",
        "method",
        "experiments",
        "conclusion",
        "references",
    ]
    assert content.sections["method"].startswith("[L6] Given an unlearned model")


def test_figures_and_the_table_are_cut_out_with_their_whole_captions(parsed):
    _, figures = parsed
    assert sorted(figures) == ["Figure 1", "Figure 2", "Figure 3", "Table 1"]
    assert figures["Table 1"].caption == "Table 1: Attack success rate (%) on four unlearning methods."
    assert figures["Figure 2"].caption.endswith("one per unlearning method.")
    # The table's header row is the table's, not the caption's tail.
    assert figures["Table 1"].bbox[1] < 221


def test_the_raster_figure_is_the_image_and_the_page_wide_figure_spans_both_plots(parsed):
    _, figures = parsed
    with pymupdf.open(PDF) as doc:
        [image] = doc.load_page(1).get_image_info()
    assert figures["Figure 2"].page == 2
    assert iou(figures["Figure 2"].bbox, image["bbox"]) >= 0.8
    wide = figures["Figure 3"]
    assert wide.page == 3 and wide.bbox[2] - wide.bbox[0] > 450


def test_affiliation_and_code_link_come_from_the_paper_not_its_references(parsed):
    content, _ = parsed
    assert content.affiliation == "Department of Computing, University of Cambridge, UK"
    assert [link["url"] for link in content.code_links] == ["https://github.com/ada-lab/probe-unlearn"]


def test_a_plot_scaled_up_to_the_text_width_keeps_labels_larger_than_the_body_text():
    paper = stored_paper(ONE_COLUMN.read_bytes())
    paper_parse(paper=paper)
    figure = paper.figures.get(label="Figure 1")
    with pymupdf.open(ONE_COLUMN) as doc:
        page = doc.load_page(figure.page - 1)
        # The plot's own text (tick labels, axis titles, legend) is Helvetica; the body is Computer Modern.
        labels = [
            pymupdf.Rect(span["bbox"])
            for block in page.get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
            if span["font"] == "Helvetica" and span["text"].strip()
        ]
    assert max(r.height for r in labels) > 11  # larger than the 11 pt body
    region = pymupdf.Rect(figure.bbox) + (-1, -1, 1, 1)
    assert all(region.contains(r) for r in labels), [r for r in labels if not region.contains(r)]
    assert "Success (%)" not in paper.content.text and "Steps" not in paper.content.text
