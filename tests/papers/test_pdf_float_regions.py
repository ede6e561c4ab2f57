"""Where each float's crop goes, on LaTeX papers whose floats stack the way CS styles stack them.

The fixtures (tests/fixtures/figures, built by scripts/make_figure_fixtures.py)
carry their truth: each float's label, caption and page as LaTeX placed it.
Caption positions are looked up in the page text with pymupdf, independently of
the stage: a crop must touch its own caption and hold no other float's caption.
"""

import json
from pathlib import Path

import pymupdf
import pytest

from papers.services.parse import layout, paper_parse
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "figures"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())
# The vocabulary scripts/make_figure_fixtures.py writes its prose in.
PROSE_WORDS = set(
    "model sample gradient prompt encoder decoder layer token batch loss signal noise budget schedule "
    "benchmark baseline ablation variance accuracy estimate kernel feature channel window stride dataset "
    "improves reduces keeps shifts bounds follows matches exceeds tracks limits".split()
)


def parse(name: str) -> dict:
    paper = stored_paper((FIXTURES / f"{name}.pdf").read_bytes(), abstract="", comment="")
    paper_parse(paper=paper)
    return {f.label: f for f in paper.figures.all()}


def caption_rect(page: pymupdf.Page, caption: str) -> pymupdf.Rect:
    """Where the caption's first words are printed (small caps and all: search ignores case)."""
    hits = page.search_for(" ".join(caption.split()[:4]))
    assert hits and max(h.y0 for h in hits) - min(h.y0 for h in hits) < 5  # one line (small caps: several boxes)
    rect = pymupdf.Rect(hits[0])
    for h in hits[1:]:
        rect |= h
    return rect


def touches(crop: pymupdf.Rect, cap: pymupdf.Rect) -> bool:
    across = min(crop.x1, cap.x1) - max(crop.x0, cap.x0) > 0
    return across and (cap.y0 - 14 <= crop.y1 and crop.y0 <= cap.y1 + 14)


def holds(crop: pymupdf.Rect, r: pymupdf.Rect) -> bool:
    inter = crop & r
    return not inter.is_empty and abs(inter) > 0.3 * abs(r)


def check(name: str) -> None:
    found = parse(name)
    truth = TRUTH[name]
    assert sorted(found) == sorted(t["label"] for t in truth)
    with pymupdf.open(FIXTURES / f"{name}.pdf") as doc:
        for t in truth:
            fig = found[t["label"]]
            assert (fig.kind, fig.page) == (t["kind"], t["page"]), t["label"]
            page = doc.load_page(t["page"] - 1)
            crop = pymupdf.Rect(fig.bbox)
            assert touches(crop, caption_rect(page, t["caption"])), t["label"]
            for other in truth:
                if other is not t and other["page"] == t["page"]:
                    assert not holds(crop, caption_rect(page, other["caption"])), (t["label"], other["label"])
            if t["kind"] == "table":
                # Its header row and all of its own rows, and no row of another table.
                rows = [r for r in page.search_for("Variant") if holds(crop, r)]
                assert len(rows) == t["rows"], t["label"]
                assert sum(holds(crop, r) for r in page.search_for("Method")) == 1, t["label"]
            else:
                assert sum(holds(crop, r) for r in page.search_for("Steps")) == 1, t["label"]


def test_ieee_table_caption_above_then_a_figure_then_a_table():
    check("ieee")


def test_acm_page_wide_table_with_a_long_header_row():
    check("acm")


def test_cvpr_tables_with_captions_above_stacked_in_one_column():
    check("cvpr")


def test_neurips_table_directly_below_a_figure():
    check("neurips")


def test_acl_tables_captioned_below_stacked_in_one_column():
    check("acl")


def page_layouts(name: str) -> list[layout.PageLayout]:
    with pymupdf.open(FIXTURES / f"{name}.pdf") as doc:
        pages = []
        for i in range(doc.page_count):
            page = doc.load_page(i)
            pages.append(layout.page_layout(page.get_displaylist(), i, page.rect))
    layout.mark_furniture(pages)
    for pl in pages:
        layout.assign_columns(pl)
    return pages


def test_a_page_wide_table_leaves_the_gutter_where_the_columns_are():
    first, second = page_layouts("acm")  # the table* with its long header row is on page 2
    assert first.gutter is not None and second.gutter is not None
    assert abs(second.gutter - first.gutter) <= 2
    assert layout.document_gutter([first, second]) == pytest.approx(first.gutter, abs=2)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_table_rows_are_rows_and_justified_prose_is_not(name):
    rows = prose = 0
    for pl in page_layouts(name):
        layout.join_row_fragments(pl)
        for ln in pl.lines:
            words = ln.text.split()
            if words[0] in ("Method", "Variant") and len(words) >= 4:
                assert layout.is_table_row(ln), ln.text
                rows += 1
            elif len(words) >= 5 and all(w.strip(".,-").lower() in PROSE_WORDS for w in words):
                assert not layout.is_table_row(ln), ln.text
                prose += 1
    assert rows >= 5 and prose >= 50


def one_span_line(text: str) -> layout.Line:
    span = layout.Span(text, 10.0, 0, "Times-Roman", (50.0, 100.0, 300.0, 110.0))
    return layout.Line(page=0, bbox=span.bbox, text=text, size=10.0, bold=False, spans=[span])


def test_a_row_written_with_runs_of_spaces_is_a_table_row():
    assert layout.is_table_row(one_span_line("Method    Precision    Recall    F1 score"))
    assert not layout.is_table_row(one_span_line("We measure precision and recall on every split."))
