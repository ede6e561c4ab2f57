"""Text in reading order, furniture removal, the section map and the summarizer's input."""

import pymupdf
import pytest

from papers.models import PaperContent
from papers.services.parse import paper_parse, summarizer_input
from papers.services.parse.body import cut_to_tokens, detect_heading
from papers.services.parse.layout import Line, Span, page_layout
from papers.text import tokens_estimate
from tests.pdfgen import make_long_pdf, make_paper, stored_paper


@pytest.fixture
def parsed(db):
    generated = make_paper(seed=21, figures=("plot", "table", "split"), body_paragraphs=3)
    paper = stored_paper(generated.data)
    return generated, paper_parse(paper=paper)


def test_two_column_text_comes_out_column_by_column(parsed):
    generated, content = parsed
    positions = [content.text.find(m + " ") for m in generated.paragraph_markers]
    assert all(p >= 0 for p in positions), [m for m, p in zip(generated.paragraph_markers, positions) if p < 0]
    assert positions == sorted(positions)


def test_headers_page_numbers_and_line_numbers_are_dropped(parsed):
    generated, content = parsed
    assert generated.header_text not in content.text
    lines = [ln.strip() for ln in content.text.splitlines()]
    assert not any(ln.isdigit() for ln in lines)
    # Line numbers would show up as stray integers between words.
    assert " 57 " not in content.text and "\n57\n" not in content.text


def test_reference_list_is_cut_from_text_but_kept_as_a_section(parsed):
    generated, content = parsed
    assert generated.reference_marker not in content.text
    assert generated.reference_marker in content.sections["references"]


def test_section_map_holds_each_section_text(parsed):
    generated, content = parsed
    for name, marker in generated.section_markers.items():
        assert marker in content.sections[name], name
    assert content.sections["abstract"].startswith("We study how unlearned")
    assert "[P1]" not in content.sections["abstract"]


def test_text_inside_figures_is_left_out(parsed):
    _, content = parsed
    assert "baseline\nours" not in content.text
    assert "Model A" not in content.text  # table cells


def _line(text: str, *, size: float = 10.0, bold: bool = True) -> Line:
    span = Span(text, size, 16 if bold else 0, "Times-Bold" if bold else "Times", (0, 0, 100, 12))
    return Line(page=0, bbox=(0, 0, 100, 12), text=text, size=size, bold=bold, spans=[span])


@pytest.mark.parametrize(
    ("text", "name", "level"),
    [
        ("3 Method", "method", 1),
        ("3. Methodology", "method", 1),
        ("III. EXPERIMENTS", "experiments", 1),
        ("1 Introduction", "introduction", 1),
        ("2 Related Work", "related_work", 1),
        ("6 Conclusions and Future Work", "conclusion", 1),
        ("References", "references", 1),
        ("4.2 Ablation Study", "ablation_study", 2),
    ],
)
def test_heading_styles_are_recognised(text, name, level):
    heading = detect_heading(_line(text), 10.0, after_references=False)
    assert (heading.name, heading.level) == (name, level)


def test_plain_sentences_and_unstyled_numbers_are_not_headings():
    assert detect_heading(_line("3 of the models diverge.", bold=False), 10.0, after_references=False) is None
    assert (
        detect_heading(_line("We use 3 Method variants here, as shown,", bold=True), 10.0, after_references=False)
        is None
    )


def test_inline_ieee_abstract_is_a_heading_with_its_text():
    line = _line("Abstract—We propose a thing.", bold=False)
    line.spans[0].flags = 2  # italic
    heading = detect_heading(line, 10.0, after_references=False)
    assert heading.name == "abstract" and heading.inline_rest == "We propose a thing."


def test_arxiv_side_stamp_is_furniture_but_a_rotated_axis_title_near_the_margin_is_figure_text():
    doc = pymupdf.open()
    page = doc.new_page()  # 612 x 792
    page.insert_text((30, 560), "arXiv:2405.01234v1  [cs.CV]  2 May 2024", fontname="tiro", fontsize=20, rotate=90)
    page.insert_text((62, 340), "Score", fontname="helv", fontsize=6, rotate=90)

    roles = {ln.text: ln.role for ln in page_layout(page.get_displaylist(), 0, page.rect).lines}

    assert roles == {"arXiv:2405.01234v1  [cs.CV]  2 May 2024": "furniture", "Score": "figure-text"}


def test_summarizer_input_keeps_whole_sentences_within_budget():
    content = PaperContent(
        sections={
            "abstract": "Short abstract. " * 5,
            "introduction": "An introduction sentence goes here. " * 200,
            "method": "A method sentence that is long. " * 200,
            "conclusion": "We conclude firmly. " * 3,
            "experiments": "Never sent.",
        },
        text="",
    )
    out = summarizer_input(content=content, token_budget=500)
    assert tokens_estimate(out) <= 500
    assert "Never sent" not in out
    assert out.count("We conclude firmly.") == 3  # short parts kept whole
    for part in out.split("\n\n"):
        assert part.rstrip().endswith(".")
    assert out.index("## Abstract") < out.index("## Introduction") < out.index("## Method") < out.index("## Conclusion")


def test_cjk_sentences_are_cut_whole_and_joined_without_a_space():
    assert cut_to_tokens("第一句。第二句。第三句。", 9) == "第一句。第二句。"


def test_page_cap_reads_only_the_first_pages_and_says_so(db, settings):
    settings.PDF_MAX_PAGES = 25
    paper = stored_paper(make_long_pdf(pages=400))
    content = paper_parse(paper=paper)
    assert content.page_count == 400
    assert "page 25." in content.text and "page 26." not in content.text
    assert any("first 25 of 400 pages" in w for w in content.warnings)


def test_mupdf_messages_are_kept_as_warnings_not_printed(db, capfd):
    generated = make_paper(seed=22, figures=())
    # Break the xref offset: MuPDF repairs the file and warns about it.
    data = generated.data.replace(b"startxref\n", b"startxref\n9", 1)
    paper = stored_paper(data)
    content = paper_parse(paper=paper)
    assert any(w.startswith("MuPDF:") for w in content.warnings)
    assert content.text
    captured = capfd.readouterr()
    assert "MuPDF" not in captured.err and "error" not in captured.err.lower()
