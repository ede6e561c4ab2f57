"""The bundled offline sample day: an arXiv API answer and one generated PDF per paper."""

import re
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from papers.services.arxiv_client import ArxivPage, arxiv_feed_parse

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "papers" / "sample" / "2024-05-02"
SCRIPT = REPO / "scripts" / "make_sample.py"
REFERENCE = REPO.parent / "shared" / "reference" / "digest-2024-05-02-diffusion-models.md"

IDS = ["2404.19382", "2404.18919", "2404.18620", "2404.18598", "2404.18065", "2404.17900", "2404.17735"]
COMMENTS = {
    "2404.18620": "9 pages, 9 figures",
    "2404.18598": "16 pages, 9 figures, project page: https://anywheremultiagent.github.io",
    "2404.18065": "9 pages, 10 figures",
}
PUBLISHED_DAYS = {
    "2404.19382": "2024-04-30",
    "2404.18919": "2024-04-29",
    "2404.18620": "2024-04-29",
    "2404.18598": "2024-04-29",
    "2404.18065": "2024-04-28",
    "2404.17900": "2024-04-27",
    "2404.17735": "2024-04-26",
}
FIRST_AFFILIATIONS = {
    "2404.19382": "School of Artificial Intelligence, University of Chinese Academy of Sciences",
    "2404.18919": "Sun Yat-sen University",
    "2404.18620": "Zhejiang University",
    "2404.18598": "Nanjing University",
    "2404.18065": "Amazon",
    "2404.17900": "University of Electronic Science and Technology of China",
    "2404.17735": "University of Arkansas",
}
LINKS = {
    "2404.19382": "https://github.com/hxxdtd/PUND",
    "2404.18919": "https://github.com/donahowe/Theatergen",
    "2404.18620": "https://y-ichen.github.io/FlexiFilm-Page/",
    "2404.18598": "https://anywheremultiagent.github.io",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def feed() -> ArxivPage:
    return arxiv_feed_parse((SAMPLE / "arxiv.xml").read_bytes(), host="the sample")


@pytest.fixture(scope="module")
def results(feed) -> dict:
    return {r.get_short_id().removesuffix("v1"): r for r in feed.results}


def _pdf(arxiv_id: str) -> pymupdf.Document:
    return pymupdf.open(SAMPLE / "pdfs" / f"{arxiv_id}v1.pdf")


def _text(doc: pymupdf.Document) -> str:
    return _squash(" ".join(page.get_text() for page in doc))


def test_feed_parses_into_the_seven_papers_in_reference_order(feed):
    # arxiv_feed_parse raises MetadataError on a feed that is not well-formed Atom.
    assert [r.get_short_id() for r in feed.results] == [f"{i}v1" for i in IDS]
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (7, 0, 100)


def test_feed_keeps_author_names_exactly_as_arxiv_lists_them(results):
    assert [a.name for a in results["2404.18620"].authors] == [
        "Yichen Ouyang",
        "jianhao Yuan",
        "Hao Zhao",
        "Gaoang Wang",
        "Bo zhao",
    ]
    assert len(results["2404.18919"].authors) == 12
    assert results["2404.18919"].authors[-1].name == "Xiaodan Liang"


def test_feed_has_comments_only_where_arxiv_has_them(results):
    assert {i: r.comment for i, r in results.items() if r.comment is not None} == COMMENTS


def test_feed_links_each_entry_to_its_version_1_pdf(results):
    for arxiv_id, result in results.items():
        assert result.pdf_url == f"http://arxiv.org/pdf/{arxiv_id}v1"
        assert result.entry_id == f"http://arxiv.org/abs/{arxiv_id}v1"


def test_feed_dates_are_the_first_submission_days(results):
    assert {i: r.published.date().isoformat() for i, r in results.items()} == PUBLISHED_DAYS
    assert all(r.updated == r.published for r in results.values())


def test_feed_lists_cs_cv_as_primary_category(results):
    assert {r.primary_category for r in results.values()} == {"cs.CV"}
    assert all(r.categories[0] == "cs.CV" for r in results.values())


def test_feed_titles_are_single_spaced_in_the_xml():
    titles = re.findall(r"<entry>\s*<id>[^<]*</id>.*?<title>([^<]*)</title>", (SAMPLE / "arxiv.xml").read_text(), re.S)
    assert len(titles) == 7
    assert all("  " not in t and "\n" not in t for t in titles)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference digest is not beside this checkout")
def test_feed_facts_match_the_reference_digest(results):
    reference = REFERENCE.read_text(encoding="utf-8")
    for block in re.split(r"\n## ", reference)[1:]:
        match = re.search(
            r"^(.*?)\n\n\*\*Authors:(.*?)\*\*\n\n(.*?)\n\n\[PDF\]\(http://arxiv.org/abs/(\S+?)v1\)(.*)$",
            block,
            re.S | re.M,
        )
        title, authors, abstract, arxiv_id, comment = match.groups()
        result = results[arxiv_id]
        assert result.title == _squash(title)
        assert [a.name for a in result.authors] == [a.strip() for a in authors.split(",")]
        assert result.summary == abstract.strip()
        assert result.comment == (_squash(comment.split("\n")[0]) or None)


@pytest.mark.parametrize("arxiv_id", IDS)
def test_pdf_looks_like_the_paper(arxiv_id, results):
    doc = _pdf(arxiv_id)
    text = _text(doc)
    assert 3 <= doc.page_count <= 5
    assert results[arxiv_id].title in text
    assert "Figure 1:" in text and "Figure 2:" in text
    assert FIRST_AFFILIATIONS[arxiv_id] in _squash(doc[0].get_text())
    assert "References" in text


@pytest.mark.parametrize("arxiv_id", IDS)
def test_pdf_has_a_raster_and_a_vector_figure(arxiv_id):
    doc = _pdf(arxiv_id)
    assert sum(len(page.get_images()) for page in doc) >= 1
    # A header rule or a table is a handful of lines; a drawn plot is axes, ticks, grid and curves.
    assert max(sum(len(path["items"]) for path in page.get_drawings()) for page in doc) >= 50


@pytest.mark.parametrize("arxiv_id", sorted(LINKS))
def test_pdf_carries_the_code_or_project_link(arxiv_id):
    doc = _pdf(arxiv_id)
    assert LINKS[arxiv_id] in _text(doc)
    assert LINKS[arxiv_id] in {link.get("uri") for page in doc for link in page.get_links()}


def test_at_least_three_pdfs_are_set_in_two_columns():
    def two_columns(doc: pymupdf.Document) -> bool:
        # A body page of a two-column paper has text blocks starting in the right half.
        blocks = doc[1].get_text("blocks")
        return any(b[0] > doc[1].rect.width / 2 and b[1] > 70 for b in blocks)

    assert sum(two_columns(_pdf(i)) for i in IDS) >= 3
    assert sum(not two_columns(_pdf(i)) for i in IDS) >= 1


def test_pdf_experiments_state_the_numbers_from_the_abstract():
    text = _text(_pdf("2404.18919"))
    experiments = text[text.index("4 Experiments") : text.index("5 Conclusion")]
    assert "21%" in experiments and "19%" in experiments and "8000" in experiments


def test_sample_stays_small():
    pdfs = list((SAMPLE / "pdfs").glob("*.pdf"))
    assert sorted(p.name for p in pdfs) == sorted(f"{i}v1.pdf" for i in IDS)
    assert all(p.stat().st_size < 300_000 for p in pdfs)
    assert sum(p.stat().st_size for p in pdfs) + (SAMPLE / "arxiv.xml").stat().st_size < 1_500_000


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> list[Path]:
    runs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
        runs.append(out)
    return runs


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(regenerated):
    first, second = (_files(root) for root in regenerated)
    assert len(first) == 8
    assert first == second


def test_committed_sample_is_what_the_generator_writes(regenerated):
    committed = {k: v for k, v in _files(SAMPLE).items() if k == "arxiv.xml" or k.startswith("pdfs/")}
    stale = [name for name, data in _files(regenerated[0]).items() if committed.get(name) != data]
    assert not stale, f"run `python scripts/make_sample.py` and commit the result; stale: {stale}"
