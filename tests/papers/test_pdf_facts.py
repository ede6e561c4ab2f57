"""Facts from the PDF: first-author affiliation and code/project links."""

import pymupdf
import pytest

from papers.services.parse import paper_parse
from papers.services.parse.links import join_broken_urls, normalise_url
from tests.pdfgen import AFFILIATIONS, make_paper, stored_paper

pytestmark = pytest.mark.django_db


def test_affiliation_resolves_superscript_markers_under_the_authors():
    paper = stored_paper(make_paper(seed=31, figures=()).data)
    content = paper_parse(paper=paper)
    # Ada Lovelace carries markers 1 and 2: both institutions are hers, in order.
    assert content.affiliation == f"{AFFILIATIONS[0]}; {AFFILIATIONS[1]}"
    assert "Ada Lovelace" in content.affiliation_evidence
    assert AFFILIATIONS[0] in content.affiliation_evidence


def test_affiliation_resolves_markers_in_first_page_footnotes():
    paper = stored_paper(make_paper(seed=32, figures=(), affiliation_style="footnote").data)
    content = paper_parse(paper=paper)
    assert content.affiliation == f"{AFFILIATIONS[0]}; {AFFILIATIONS[1]}"


def test_affiliation_prefers_numbered_marker_over_corresponding_author_star():
    paper = stored_paper(make_paper(seed=33, figures=()).data, authors=["Grace Hopper", "Ada Lovelace"])
    content = paper_parse(paper=paper)
    assert content.affiliation == AFFILIATIONS[2]


def test_affiliation_without_markers_is_read_under_the_first_author():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((120, 90), "Stacked Authors Make Layout Hard", fontname="hebo", fontsize=15)
    for x, name, aff, mail in (
        (90, "Ada Lovelace", "University of Oxford", "ada@ox.ac.uk"),
        (330, "Alan Turing", "Google Research", "alan@google.com"),
    ):
        page.insert_text((x, 130), name, fontname="hebo", fontsize=10)
        page.insert_text((x, 143), aff, fontsize=9.5)
        page.insert_text((x, 156), mail, fontsize=9)
    page.insert_text((280, 200), "Abstract", fontname="hebo", fontsize=11)
    page.insert_text((72, 220), "We study stacked author blocks in some detail here and now.", fontsize=10)
    paper = stored_paper(doc.tobytes())
    content = paper_parse(paper=paper)
    assert content.affiliation == "University of Oxford"


def test_affiliation_in_a_thanks_footnote_stops_before_the_contact_details():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((120, 90), "Footnoted Affiliations Are Common", fontname="hebo", fontsize=15)
    page.insert_text((150, 130), "Ada Lovelace", fontname="hebo", fontsize=10)
    page.insert_text((216, 126), "*", fontsize=7)
    page.insert_text((280, 200), "Abstract", fontname="hebo", fontsize=11)
    page.insert_text((72, 220), "We study footnoted author affiliations in some detail here and now.", fontsize=10)
    page.insert_text((72, 706), "*", fontsize=6)
    page.insert_text(
        (76, 710), "Department of Computing, University of Cambridge, UK. Contact: ada@cam.ac.uk", fontsize=8
    )
    content = paper_parse(paper=stored_paper(doc.tobytes(), authors=["Ada Lovelace"]))
    assert content.affiliation == "Department of Computing, University of Cambridge, UK"


def test_unknown_first_author_gives_no_affiliation_rather_than_a_guess():
    paper = stored_paper(make_paper(seed=34, figures=()).data, authors=["Someone Else"])
    content = paper_parse(paper=paper)
    assert content.affiliation == ""


def test_links_come_from_abstract_comment_text_and_annotations_without_references():
    generated = make_paper(seed=35, figures=("plot",))
    paper = stored_paper(
        generated.data,
        abstract="Code: https://GitHub.com/ada-lab/probe-unlearn.git. See arxiv.org/abs/2404.19382.",
        comment="10 pages. Project page: https://ada-lab.github.io/probe/#demo",
    )
    content = paper_parse(paper=paper)
    links = {link["url"]: link for link in content.code_links}
    assert links["https://github.com/ada-lab/probe-unlearn"]["source"] == "abstract"
    assert links["https://ada-lab.github.io/probe"] == {
        "url": "https://ada-lab.github.io/probe",
        "kind": "project",
        "role": "own",
        "source": "comment",
    }
    assert links["https://huggingface.co/ada-lab/probe-weights"]["source"] == "pdf"  # broken across lines
    assert links["https://github.com/ada-lab/annotated-only"]["source"] == "pdf"  # annotation only
    assert "https://github.com/other/ddpm" not in links  # cited in the references
    assert not any("arxiv.org" in url for url in links)
    assert len(content.code_links) == len(links)
    # Each stands in the abstract, the comment, "Our released models are …" or the front matter.
    assert {link["role"] for link in content.code_links} == {"own"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://www.GitHub.com/Owner/Repo.git", "https://github.com/Owner/Repo"),
        ("https://github.com/owner/repo/tree/main/src).", "https://github.com/owner/repo"),
        ("github.com/owner/repo,", "https://github.com/owner/repo"),
        ("https://huggingface.co/datasets/org/set/viewer", "https://huggingface.co/datasets/org/set"),
        ("https://doi.org/10.1000/xyz", None),
        ("https://arxiv.org/abs/2404.19382", None),
        ("https://github.com/features", None),
    ],
)
def test_urls_are_normalised(raw, expected):
    assert normalise_url(raw) == expected


def test_urls_broken_after_a_slash_or_hyphen_are_rejoined_but_not_after_a_full_stop():
    assert join_broken_urls("see https://github.com/ada-\nlab/x now") == "see https://github.com/ada-lab/x now"
    assert (
        join_broken_urls("at https://github.com/a/b.\n1 Introduction") == "at https://github.com/a/b.\n1 Introduction"
    )


def test_a_section_number_on_the_next_line_is_not_glued_to_a_url():
    text = "Project page: https://y-ichen.github.io/FlexiFilm-Page/\n1 Introduction"
    assert join_broken_urls(text) == text
