"""The text handed to the summarizer, on LaTeX papers (tests/fixtures/bodytext, built by scripts/make_bodytext_fixtures.py).

Four layouts: a two-column article whose text block reaches into the bottom of
the page (as IEEE's does), the same text in IEEEtran, a one-column preprint and
the same text in Springer's llncs. The truth is read from the
LaTeX sources (truth.json), not from the parser.
"""

import json
import re
from pathlib import Path

import pytest

from papers.services.parse import paper_parse, summarizer_input
from papers.services.parse.body import Vocabulary, join_lines
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bodytext"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())
LAYOUTS = sorted(TRUTH)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(params=LAYOUTS)
def parsed(request):
    paper = stored_paper((FIXTURES / f"{request.param}.pdf").read_bytes(), abstract="", comment="")
    content = paper_parse(paper=paper)
    return content, TRUTH[request.param]


def test_compound_hyphens_at_a_line_end_are_kept(parsed):
    content, truth = parsed
    text = flat(content.text)
    for word in truth["compounds"]:
        assert word in text, word
        assert word.replace("-", "") not in text, word


def test_words_tex_hyphenated_at_a_line_end_are_joined(parsed):
    content, truth = parsed
    text = flat(content.text)
    for word in truth["joined"]:
        assert re.search(rf"\b{word}\b", text), word
    # TeX's own hyphenation points, wherever the narrow column put them: no fragment survives.
    assert not re.search(r"\b[a-z]{2,}- [a-z]", text)
    assert not re.search(r"\b(?:repre|compo|data)-(?:sentation|sition|sets)\b", text)


def test_captions_stay_out_of_the_body(parsed):
    content, truth = parsed
    text = flat(content.text).lower()  # IEEE sets table captions in small capitals
    for caption in truth["captions"]:
        assert caption[:30].lower() not in text, caption


def test_table_cells_stay_out_of_the_body(parsed):
    content, truth = parsed
    text = flat(content.text)
    for row in truth["table_rows"]:
        assert " ".join(row) not in text, row
        for cell in row:
            if re.fullmatch(r"[\d.]+", cell) and len(cell) > 1:
                assert not re.search(rf"(?<![\d.]){re.escape(cell)}(?![\d.])", text), cell


def test_a_paragraph_opening_with_a_figure_or_table_label_is_body_prose(parsed):
    content, truth = parsed
    paragraphs = [flat(p) for p in content.text.split("\n\n")]
    for prose in truth["prose_opening_with_a_label"]:
        assert prose in paragraphs


def test_a_paragraph_ending_alone_at_the_foot_of_a_column_is_kept(parsed):
    content, truth = parsed
    assert truth["column_tail"] in flat(content.text)


def test_run_in_headings_are_split_from_their_first_sentence(parsed):
    content, truth = parsed
    paragraphs = [flat(p) for p in content.text.split("\n\n")]
    for title, opening in truth["run_in_headings"]:
        at = next(i for i, p in enumerate(paragraphs) if p.startswith(opening))
        assert paragraphs[at - 1].endswith(title), paragraphs[at - 1 : at + 1]


def test_section_numbers_at_the_top_of_a_page_are_not_running_headers(parsed):
    content, _ = parsed
    assert re.search(r"^(?:\d|[IVX]+\.) (?:Experiments|EXPERIMENTS)$", content.text, re.M)
    assert re.search(r"^(?:\d|[IVX]+\.) (?:Conclusion|CONCLUSION)$", content.text, re.M)


def test_the_summarizer_reads_the_sections_with_hyphens_kept_and_no_captions(parsed):
    content, truth = parsed
    assert list(content.sections)[:2] == ["abstract", "introduction"]
    assert {"method", "experiments", "conclusion"} <= set(content.sections)
    text = flat(summarizer_input(content=content, token_budget=4000))
    assert all(word in text for word in truth["compounds"])
    assert not any(caption in text for caption in truth["captions"])


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["trained on data-", "sets of motion."], "trained on datasets of motion."),
        (["our data-sets are small; trained on data-", "sets of motion."], "trained on data-sets of motion."),
        (["a multi-", "view rig"], "a multi-view rig"),
        (["a learned repre-", "sentation"], "a learned representation"),
        (["cross-", "ing the street"], "crossing the street"),
        (["the GPT-", "4 model"], "the GPT-4 model"),
        (["a learned repre\xad", "sentation"], "a learned representation"),
        (["a multi\u2010", "view rig"], "a multi\u2010view rig"),
    ],
)
def test_the_documents_own_spelling_then_the_word_list_decides_a_line_end_hyphen(lines, joined):
    vocab = Vocabulary.of(lines)
    assert join_lines(lines[-2:], vocab).endswith(joined)


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["under five-", "fold validation"], "under five-fold validation"),
        (["the trade-", "off between"], "the trade-off between"),
        (["gives life-", "like motion"], "gives life-like motion"),
        (["a two-", "stage model"], "a two-stage model"),
    ],
)
def test_number_and_suffix_compounds_keep_a_line_end_hyphen_though_the_word_list_has_their_closed_form(lines, joined):
    assert join_lines(lines, Vocabulary.of(lines)) == joined


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["Other-", "wise the protocol"], "Otherwise the protocol"),
        (["the nine-", "teen clips"], "the nineteen clips"),
        (["a ten-", "ant of the"], "a tenant of the"),
        (["a smooth mani-", "fold of poses"], "a smooth manifold of poses"),
    ],
)
def test_an_everyday_word_tex_broke_after_a_number_or_before_a_suffix_word_is_joined(lines, joined):
    assert join_lines(lines, Vocabulary.of(lines)) == joined


def test_a_long_rare_word_after_a_line_end_hyphen_is_a_compounds_half_not_a_fragment():
    lines = ["an expectation-", "maximisation step"]
    assert join_lines(lines, Vocabulary.of(lines)) == "an expectation-maximisation step"


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (
            ["a page at https://yaellevi.", "net/projects/merge with"],
            "a page at https://yaellevi.net/projects/merge with",
        ),
        (
            ["kernels (https://github.com/", "ARM-software/CMSIS_5) run"],
            "kernels (https://github.com/ARM-software/CMSIS_5) run",
        ),
        (["at https://ada-", "lab.github.io/probe now"], "at https://ada-lab.github.io/probe now"),
    ],
)
def test_a_url_broken_at_a_line_end_is_joined_without_a_space(lines, joined):
    assert join_lines(lines) == joined


def test_a_url_ending_a_sentence_at_a_line_end_keeps_the_space():
    assert join_lines(["see https://ada-lab.org.", "Next we train"]) == "see https://ada-lab.org. Next we train"
