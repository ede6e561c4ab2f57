"""The PDF stage on the bundled sample day's papers (generated stand-ins of the reference's 7)."""

from pathlib import Path

import pytest
from django.conf import settings

from papers.services.arxiv_client import arxiv_feed_parse
from papers.services.parse import paper_parse
from tests.pdfgen import stored_paper

SAMPLE = Path(settings.BASE_DIR) / "papers" / "sample" / "2024-05-02"


def sample_authors(arxiv_id: str) -> list[str]:
    feed = arxiv_feed_parse((SAMPLE / "arxiv.xml").read_bytes(), host="the sample")
    result = next(r for r in feed.results if r.get_short_id() == f"{arxiv_id}v1")
    return [author.name for author in result.authors]


def parse_sample(arxiv_id: str):
    data = (SAMPLE / "pdfs" / f"{arxiv_id}v1.pdf").read_bytes()
    return paper_parse(paper=stored_paper(data, arxiv_id=arxiv_id, authors=sample_authors(arxiv_id)))


@pytest.mark.django_db
def test_a_first_page_only_footer_is_dropped_from_the_text():
    content = parse_sample("2404.18620")
    assert "Preprint. Under review." not in content.text


@pytest.mark.django_db
def test_the_project_page_is_found_once():
    content = parse_sample("2404.18620")
    assert [link["url"] for link in content.code_links] == ["https://y-ichen.github.io/FlexiFilm-Page"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arxiv_id, affiliation",
    [
        ("2404.19382", "University of Chinese Academy of Sciences"),
        ("2404.18919", "Sun Yat-sen University"),
        ("2404.17735", "University of Arkansas"),
    ],
)
def test_first_author_affiliation_is_read_from_page_one(arxiv_id, affiliation):
    assert affiliation in parse_sample(arxiv_id).affiliation


def captions_in(arxiv_id: str) -> set[str]:
    import re

    import pymupdf

    with pymupdf.open(SAMPLE / "pdfs" / f"{arxiv_id}v1.pdf") as doc:
        text = "\n".join(page.get_text() for page in doc)
    return {f"{kind} {num}" for kind, num in re.findall(r"^(Figure|Table) (\d+):", text, re.MULTILINE)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arxiv_id",
    ["2404.19382", "2404.18919", "2404.18620", "2404.18598", "2404.18065", "2404.17900", "2404.17735"],
)
def test_every_captioned_figure_and_table_of_the_sample_is_cut_out(arxiv_id):
    content = parse_sample(arxiv_id)
    found = {figure.label for figure in content.paper.figures.all()}
    assert found == captions_in(arxiv_id)


@pytest.mark.django_db
def test_a_figure_right_under_a_table_gets_its_own_region():
    content = parse_sample("2404.19382")  # page 3: Table 1, then the two-panel Figure 2
    table, figure = (content.paper.figures.get(label=label) for label in ("Table 1", "Figure 2"))
    assert table.bbox[3] <= figure.bbox[1]


def text_line_boxes(arxiv_id: str, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The page's horizontal text lines as MuPDF reads them (text, box), not through the stage's own layout."""
    import pymupdf

    with pymupdf.open(SAMPLE / "pdfs" / f"{arxiv_id}v1.pdf") as doc:
        blocks = doc.load_page(page).get_text("dict")["blocks"]
    return [
        ("".join(span["text"] for span in line["spans"]).strip(), tuple(line["bbox"]))
        for block in blocks
        for line in block.get("lines", [])
        if line["dir"] == (1.0, 0.0)
    ]


@pytest.mark.django_db
def test_a_plot_crop_stops_in_the_gap_under_the_text_line_above_it():
    # FlexiFilm's Figure 2: its top tick label sits 2.5 pt under a body line whose
    # glyph boxes reach down; padding the label took the descenders into the crop.
    figure = parse_sample("2404.18620").paper.figures.get(label="Figure 2")
    lines = dict(text_line_boxes("2404.18620", figure.page - 1))
    above = lines["neighbouring clips and the mean brightness over time."]
    top_tick = lines["0.80"]
    assert above[3] < figure.bbox[1] < top_tick[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arxiv_id",
    ["2404.19382", "2404.18919", "2404.18620", "2404.18598", "2404.18065", "2404.17900", "2404.17735"],
)
def test_no_crop_edge_cuts_through_a_text_line(arxiv_id):
    # The stored box is rounded to 0.1 pt: an edge touching a line (a caption's) is no cut.
    cuts = []
    for figure in parse_sample(arxiv_id).paper.figures.all():
        x0, y0, x1, y1 = figure.bbox
        for text, (a0, b0, a1, b1) in text_line_boxes(arxiv_id, figure.page - 1):
            if min(a1, x1) - max(a0, x0) > 0:
                cuts += [(figure.label, edge, text) for edge in (y0, y1) if b0 + 0.1 < edge < b1 - 0.1]
    assert cuts == []
