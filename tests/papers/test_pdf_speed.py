"""What the speed work must not change: each page read once, bounded memory, the bench's own figures.

No timing is asserted here; bench/pdf.py prints the figures.
"""

import io
import sys
from pathlib import Path

import pymupdf
import pytest
from django.conf import settings
from PIL import Image

from papers.models import Figure
from papers.services import parse
from papers.services.parse import images, paper_parse
from tests.factories import PaperFactory
from tests.pdfgen import STANDARD_SET, make_paper, stored_paper

pytestmark = pytest.mark.django_db


def figure_rows(paper):
    return [(f.kind, f.label, f.page, f.bbox, f.width, f.height) for f in paper.figures.order_by("order")]


def test_pages_past_the_kept_display_lists_get_the_same_figures(monkeypatch):
    generated = make_paper(seed=31, figures=("plot", "raster", "table", "multipanel", "split"))
    kept = stored_paper(generated.data)
    paper_parse(paper=kept)
    monkeypatch.setattr(parse, "MAX_KEPT_LISTS", 1)  # only page 1's list is kept; the rest are read again
    again = stored_paper(generated.data)
    paper_parse(paper=again)

    assert len(figure_rows(kept)) == len(generated.figures)
    assert figure_rows(again) == figure_rows(kept)


def test_a_pdf_stored_before_a_lower_size_cap_is_still_read(settings):
    generated = make_paper(seed=34, figures=("plot",))
    paper = stored_paper(generated.data)
    settings.PDF_MAX_BYTES = len(generated.data) // 2  # read through the file, not copied into memory

    content = paper_parse(paper=paper)

    assert content.parsed_at is not None
    assert generated.paragraph_markers[0] in content.text
    assert [f.label for f in paper.figures.all()] == ["Figure 1"]


def test_a_region_wider_than_the_web_image_is_rendered_at_the_web_width():
    doc = pymupdf.open()
    page = doc.new_page(width=1200, height=400)
    page.draw_rect(pymupdf.Rect(20, 20, 1180, 380), color=(0, 0, 0), fill=(0.2, 0.4, 0.8))
    shot = images.render_clip(page.get_displaylist(), page.rect)
    assert shot.image.width == images.WEB_MAX_WIDTH
    assert shot.image.height == round(400 * images.WEB_MAX_WIDTH / 1200)


def _red_box_picture(clip: pymupdf.Rect) -> images.Picture:
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(72, 72, 400, 300), color=(0, 0, 0), fill=(0.9, 0.2, 0.1))
    return images.encode(images.render_clip(page.get_displaylist(), clip))


def test_thumbnail_is_the_web_image_reduced_by_a_whole_factor():
    picture = _red_box_picture(pymupdf.Rect(60, 60, 420, 320))  # 750 px wide at 150 dpi

    assert picture.thumb_size == (picture.web_size[0] // 2, picture.web_size[1] // 2)
    assert Image.open(io.BytesIO(picture.thumb)).size == picture.thumb_size


def test_a_thumbnail_sized_figure_is_its_own_thumbnail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = _red_box_picture(pymupdf.Rect(60, 60, 200, 200))  # 292 px wide at 150 dpi
    figure = Figure(paper=PaperFactory())

    names = images.store_picture(figure=figure, picture=picture, stem="figure-1-p1")

    assert picture.thumb is None
    assert names == [figure.image.name] and figure.thumbnail.name == figure.image.name
    assert (figure.thumb_width, figure.thumb_height) == (figure.width, figure.height) == picture.web_size


def test_every_step_of_a_parse_is_timed():
    before = dict(parse.STEP_SECONDS)
    paper_parse(paper=stored_paper(make_paper(seed=32, figures=("plot",)).data))
    spent = {name: parse.STEP_SECONDS[name] - before.get(name, 0.0) for name in parse.STEPS}
    assert all(seconds > 0 for seconds in spent.values()), spent


def test_bench_measures_both_sides_and_describes_its_set():
    sys.path.insert(0, str(Path(settings.BASE_DIR) / "bench"))
    try:
        import pdf as bench
    finally:
        sys.path.pop(0)
    generated = [make_paper(**dict(STANDARD_SET[0], seed=33))]
    data = [g.data for g in generated]
    rounds = [[stored_paper(d) for d in data] for _ in range(2)]

    m = bench.measure(data, rounds, dpi=images.RENDER_DPI, max_pages=settings.PDF_MAX_PAGES)

    assert m["raw"] > 0 and m["stage"] > 0
    assert m["all_raw"] >= m["raw"] and m["all_stage"] >= m["stage"]
    assert len(m["per_round"]) == 2 and m["per_round"] == sorted(m["per_round"])
    assert set(parse.STEPS) <= set(m["steps"])
    assert all(p.figures.exists() for batch in rounds for p in batch)
    assert "two-column" in bench.describe(generated, settings.PDF_MAX_PAGES)
