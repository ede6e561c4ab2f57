"""Float layouts that broke the PDF stage in the second corpus, one small paper each.

The papers (tests/fixtures/floats/<name>/paper.tex) are built like the corpus,
with their truth from LaTeX (caption text, page and the float body's box):

    .venv/bin/python scripts/make_latex_corpus.py --corpus tests/fixtures/floats

They are scored with bench/pdf_quality.py's functions, as the corpus is.
"""

import sys
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

sys.path.insert(0, str(Path(settings.BASE_DIR) / "bench"))
import pdf_quality as quality  # noqa: E402

FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures" / "floats"
PAPERS = {name: (pdf, truth) for name, pdf, truth in quality.corpus(FIXTURES)}


@cache
def the_float(name: str) -> tuple[dict, dict | None, list[dict]]:
    """The paper's one float as LaTeX placed it, the float the stage found for it (or None), and all true floats."""
    pdf, truth = PAPERS[name]
    (own,) = truth["floats"]
    found = [f for f in quality.found_floats(quality.parse(pdf, truth)) if quality.key(f) == quality.key(own)]
    return own, (found[0] if found else None), truth["floats"]


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_wrapfigure_pulled_up_against_the_text_is_found_and_cropped_to_its_chart(side):
    own, found, floats = the_float(f"wrapfig_{side}")
    assert found is not None
    assert quality.region_correct(found, floats)


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_wrapfigure_caption_is_read_without_the_text_beside_it(side):
    own, found, _floats = the_float(f"wrapfig_{side}")
    assert found is not None
    assert quality.caption_whole(own, found["caption"]), found["caption"]


def test_a_header_row_with_math_is_not_read_into_the_caption_above_it():
    own, found, _floats = the_float("header_math")
    assert found is not None
    assert quality.caption_whole(own, found["caption"]), found["caption"]


def test_a_header_row_with_math_is_inside_the_tables_crop():
    own, found, floats = the_float("header_math")
    assert found is not None
    assert found["rect"][1] <= own["body_rect"][1] + 1  # the top rule and the header row
    assert quality.region_correct(found, floats)


def test_a_caption_line_raised_by_a_superscript_does_not_end_the_caption():
    own, found, _floats = the_float("caption_superscript")
    assert found is not None
    assert quality.caption_whole(own, found["caption"]), found["caption"]


def test_a_table_of_text_cells_less_than_an_em_apart_is_found_whole():
    own, found, floats = the_float("table_tight_cells")
    assert found is not None
    assert quality.region_correct(found, floats)
