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
