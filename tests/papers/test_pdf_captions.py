"""Which lines are captions, and their text, on LaTeX papers (tests/fixtures/captions, built by
scripts/make_caption_fixtures.py). The truth is the caption text written in the .tex sources.

Stored figures show the captions of placed floats; ``page_captions`` reads every
caption the stage finds, placed or not, with the stage's own steps.
"""

from pathlib import Path

import pymupdf
import pytest

from papers.services.parse import figures, layout, paper_parse
from papers.services.parse.figures import caption_label
from papers.services.parse.layout import Line, Span
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "captions"


def parsed(name: str):
    paper = stored_paper((FIXTURES / name).read_bytes(), abstract="", comment="")
    content = paper_parse(paper=paper)
    return content, {f.label: f.caption for f in paper.figures.all()}


def page_captions(name: str) -> list[tuple[int, str, str]]:
    """(page, label, caption text) of every caption, in the order the stage reads them."""
    with pymupdf.open(FIXTURES / name) as doc:
        pages = []
        for i in range(doc.page_count):
            page = doc.load_page(i)
            pages.append(layout.page_layout(page.get_displaylist(), i, page.rect))
    layout.mark_furniture(pages)
    body_size = layout.body_font_size(pages)
    for pl in pages:
        layout.assign_columns(pl)
    usual = layout.document_gutter(pages)
    out = []
    for pl in pages:
        if pl.gutter is None and usual is not None:
            layout.assign_columns(pl, fallback=usual)
        layout.join_row_fragments(pl)
        ordered = layout.reading_order([ln for ln in pl.lines if ln.role == "body"])
        for _kind, label, lines, _seq in figures.find_captions(ordered, body_size, pl):
            out.append((pl.index + 1, label, figures._caption_text(lines)))
    return out


@pytest.fixture
def ieee():
    return parsed("ieee.pdf")


@pytest.fixture
def article():
    return parsed("article.pdf")


def test_ieee_table_titles_in_small_caps_follow_their_label_in_their_own_case(ieee):
    _, captions = ieee
    assert captions["Table I"] == "TABLE I: Success Rate of Three Sieves"
    assert (
        captions["Table II"]
        == "TABLE II: Peak Memory of Each Sieve in Megabytes for Lattices of Dimension Forty to Sixty"
    )


def test_ieee_figure_captions_are_read_whole(ieee):
    _, captions = ieee
    assert sorted(captions) == ["Figure 1", "Figure 2", "Table I", "Table II"]
    assert captions["Figure 1"] == (
        "Fig. 1. Running time of the bucketed sieve against the number of epochs, averaged over twenty random"
        " lattices of dimension fifty; the shaded band is one standard deviation."
    )
    assert captions["Figure 2"] == (
        "Fig. 2. List size over the epochs of one run, for the three sieves on the same lattice of dimension fifty."
    )


def test_a_caption_whose_first_words_sit_above_its_label_is_read_whole():
    _, captions = parsed("jitter.pdf")
    assert captions == {
        "Figure 4": "Fig. 4. Memory traffic of the bucketed sieve per epoch, measured with hardware counters on one"
        " core; reads dominate writes by a factor of four in every dimension."
    }


def test_side_by_side_captions_are_two_captions_whether_read_as_one_row_or_two(article):
    _, captions = article
    assert captions["Figure 2"] == "Figure 2: Detections per day in spring, summed over all the species."
    assert captions["Figure 4"] == "Figure 4: Detections per day in winter, summed over all the species."
    found = [(label, text) for page, label, text in page_captions("article.pdf") if page == 2]
    assert [label for label, _ in found if label.startswith("Figure")] == [
        "Figure 2",
        "Figure 3",
        "Figure 4",
        "Figure 5",
    ]
    assert dict(found)["Figure 3"] == "Figure 3: Detections per day in autumn, summed over all the species."
    assert dict(found)["Figure 5"] == "Figure 5: Detections per day in summer, summed over all the species."


def test_a_screenshot_s_own_tiny_caption_is_not_a_caption(article):
    _, captions = article
    assert captions["Figure 6"] == "Figure 6: A page of an unrelated report, shown as a screenshot."
    assert all(label != "Figure 9" for _page, label, _text in page_captions("article.pdf"))


def test_a_caption_sized_label_inside_a_drawn_frame_is_not_a_caption(article):
    _, captions = article
    assert captions["Figure 7"] == "Figure 7: A slide from a talk on sieving, shown as it was projected."
    assert all(label != "Figure 12" for _page, label, _text in page_captions("article.pdf"))


def test_paragraphs_opening_with_a_label_are_prose_not_captions(article):
    content, captions = article
    assert captions["Table 1"] == "Table 1: Species counted by each method."
    assert captions["Table 2"] == "Table 2: Detections lost to noise, per weather condition."
    labels = [label for _page, label, _text in page_captions("article.pdf")]
    assert labels.count("Figure 1") == 1 and labels.count("Table 2") == 1
    # "Figure 1 plots", "Table 2 shows" open paragraphs; "Table 2. They" opens a line inside one.
    assert "Figure 1 plots the detections over the day." in content.text
    assert "Table 2 shows how much rain and wind cost." in content.text
    assert "collected in Table 2. They are largest" in content.text


def test_a_caption_ends_before_the_paragraph_right_under_it(article):
    content, captions = article
    assert captions["Figure 1"] == (
        "Figure 1: Calls detected per hour on the rooftop microphone against the hour of the day, for the spring"
        " months of the year we recorded, with the survey counts of the same streets drawn as a thin line for"
        " comparison; the dawn chorus dominates both curves and the counts agree."
    )
    assert "Each microphone records continuously at sixteen kilohertz" in content.text


def test_a_bold_label_opens_a_caption_only_before_a_capital_and_words_not_in_bold():
    span = Span("Table 2 shows the accuracy of every method", 9.0, 16, "Times-Bold", (50, 100, 300, 110))
    assert caption_label(Line(0, (50, 100, 300, 110), span.text, 9.0, True, [span])) is None
    bold = [Span("Table 2 ", 9.0, 16, "Times-Bold", (50, 100, 85, 110))]
    bold.append(Span("Results of every method", 9.0, 16, "Times-Bold", (85, 100, 300, 110)))
    assert caption_label(Line(0, (50, 100, 300, 110), "Table 2 Results of every method", 9.0, True, bold)) is None
    label = Span("Table 2 ", 9.0, 16, "Times-Bold", (50, 100, 85, 110))
    words = Span("Accuracy of every method", 9.0, 0, "Times-Roman", (85, 100, 300, 110))
    line = Line(0, (50, 100, 300, 110), "Table 2 Accuracy of every method", 9.0, False, [label, words])
    assert caption_label(line) == ("table", "Table 2")
