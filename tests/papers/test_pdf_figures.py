"""Figure screenshots: detection against generated ground truth, images, re-processing."""

import pymupdf
import pytest
from PIL import Image

from digests.models import Digest
from papers.models import Figure
from papers.services.parse import images, paper_parse
from papers.services.parse.figures import caption_label
from papers.services.parse.layout import Line, Span
from tests.factories import DigestFactory, FigureFactory
from tests.pdfgen import STANDARD_SET, make_paper, stored_paper

pytestmark = pytest.mark.django_db


def iou(a, b) -> float:
    ra, rb = pymupdf.Rect(a), pymupdf.Rect(b)
    inter = ra & rb
    if inter.is_empty:
        return 0.0
    return abs(inter) / (abs(ra) + abs(rb) - abs(inter))


def parse_generated(**kwargs):
    generated = make_paper(**kwargs)
    paper = stored_paper(generated.data)
    paper_parse(paper=paper)
    return generated, list(paper.figures.order_by("order"))


def test_detection_precision_and_recall_on_generated_set():
    true_pos = found_total = truth_total = 0
    for kwargs in STANDARD_SET:
        generated, figures = parse_generated(**kwargs)
        found = [f for f in figures if f.kind != "cover"]
        truth = list(generated.figures)
        found_total += len(found)
        truth_total += len(truth)
        for fig in found:
            match = next(
                (t for t in truth if t.page == fig.page and t.kind == fig.kind and iou(t.rect, fig.bbox) >= 0.5),
                None,
            )
            if match:
                truth.remove(match)
                true_pos += 1
    precision = true_pos / found_total
    recall = true_pos / truth_total
    print(
        f"\nfigure detection on {len(STANDARD_SET)} papers: {truth_total} true, {found_total} found, "
        f"precision={precision:.3f} recall={recall:.3f} (IoU>=0.5)"
    )
    assert precision >= 0.9
    assert recall >= 0.9


def test_multipanel_figure_is_one_region_with_all_panels():
    generated, figures = parse_generated(seed=11, figures=("multipanel",))
    truth = generated.figures[0]
    [fig] = [f for f in figures if f.label == truth.label]
    assert iou(truth.rect, fig.bbox) >= 0.8
    assert len([f for f in figures if f.page == truth.page]) == 1
    assert fig.caption == truth.caption  # all of the page-wide caption, its short last line too


def test_table_with_caption_above_is_a_table_below_its_caption():
    generated, figures = parse_generated(seed=12, figures=("table",))
    [table] = figures
    assert table.kind == "table"
    assert table.label == "Table 1"
    assert table.caption.startswith("Table 1:")
    assert iou(generated.figures[0].rect, table.bbox) >= 0.7


def test_caption_at_top_of_next_column_finds_figure_at_bottom_of_previous_column():
    generated, figures = parse_generated(seed=13, figures=("split",))
    [truth] = generated.figures
    [fig] = figures
    assert fig.bbox[2] < 306  # left column, while its caption opens the right one
    assert iou(truth.rect, fig.bbox) >= 0.7


@pytest.mark.parametrize("two_column", [True, False], ids=["two-column", "one-column"])
def test_figure_at_the_foot_of_a_page_gets_the_caption_opening_the_next_page(two_column):
    generated, figures = parse_generated(seed=19, two_column=two_column, figures=("plot", "nextpage"))
    truth = generated.figures[1]
    fig = next(f for f in figures if f.label == truth.label)

    assert fig.page == truth.page
    assert iou(fig.bbox, truth.rect) >= 0.8
    assert fig.caption == truth.caption
    assert [f.label for f in figures] == ["Figure 1", "Figure 2"]


def test_vector_plot_region_includes_axis_labels():
    generated, figures = parse_generated(seed=14, figures=("plot",))
    [truth] = generated.figures
    [fig] = figures
    # The "Epoch" axis title sits on the truth rect's bottom edge; the rotated
    # "Score" title on its left edge, left of the y tick labels (8 pt in).
    assert fig.bbox[3] >= truth.rect[3] - 1
    assert fig.bbox[0] <= truth.rect[0]


def test_paper_without_figures_gets_first_page_cover():
    _, figures = parse_generated(seed=15, figures=())
    [cover] = figures
    assert cover.kind == "cover"
    assert cover.page == 1
    assert cover.bbox[1] == 0 and cover.bbox[3] < 792 * 0.5


def test_figures_are_saved_as_web_images_and_thumbnails_with_sizes(settings):
    _, figures = parse_generated(seed=16, figures=("raster", "plot"))
    assert len(figures) == 2
    for fig in figures:
        assert fig.image.name.startswith(f"figures/{fig.paper.arxiv_id}/")
        with Image.open(fig.image.path) as img:
            assert img.format == "JPEG"
            assert img.size == (fig.width, fig.height)
            assert img.width <= images.WEB_MAX_WIDTH
        with Image.open(fig.thumbnail.path) as thumb:
            assert thumb.size == (fig.thumb_width, fig.thumb_height)
            assert images.THUMB_WIDTH * 0.75 <= thumb.width <= images.THUMB_WIDTH * 1.5
        assert str(settings.MEDIA_ROOT) in fig.image.path
        assert fig.caption.startswith(fig.label)


def test_blank_or_sliver_regions_are_rejected():
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(100, 100, 400, 300), color=(1, 1, 1), fill=(1, 1, 1))
    page.draw_line((100, 500), (400, 500))
    dl = page.get_displaylist()
    assert images.render_clip(dl, pymupdf.Rect(100, 100, 400, 300)) is None
    assert images.render_clip(dl, pymupdf.Rect(100, 498, 400, 502)) is None
    page.insert_image(pymupdf.Rect(100, 600, 300, 700), stream=_png())
    assert images.render_clip(page.get_displaylist(), pymupdf.Rect(100, 600, 300, 700)) is not None


@pytest.mark.parametrize("width", [400, 560], ids=["thumbnail-half", "thumbnail-third"])
def test_a_region_of_faint_thin_lines_is_not_taken_for_blank(width):
    """4% of its pixels are light-grey hairlines: averaged into the thumbnail they must still count."""
    doc = pymupdf.open()
    page = doc.new_page(width=width + 40, height=400)
    for i in range(30):
        y = 30 + i * 9.5
        page.draw_line((30, y), (width + 10, y), color=(0.9, 0.9, 0.9), width=0.3)
    shot = images.render_clip(page.get_displaylist(), pymupdf.Rect(20, 20, width + 20, 320))

    assert shot is not None
    assert shot.thumb.width < shot.image.width


def _png() -> bytes:
    import io

    out = io.BytesIO()
    Image.effect_noise((64, 64), 80).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_caption_over_an_empty_area_yields_no_figure_but_a_cover():
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(72, 100, 540, 300), color=(1, 1, 1), fill=(1, 1, 1))
    page.insert_text((72, 320), "Figure 1: Nothing to see here at all.", fontsize=9)
    page.insert_text((72, 60), "A Paper With A Title", fontsize=16)
    paper = stored_paper(doc.tobytes())
    paper_parse(paper=paper)
    assert [f.kind for f in paper.figures.all()] == ["cover"]


def test_reprocessing_keeps_hidden_flag_and_digest_cover_on_the_same_rows(django_capture_on_commit_callbacks):
    generated = make_paper(seed=17, figures=("plot", "raster"))
    paper = stored_paper(generated.data)
    paper_parse(paper=paper)
    first, second = paper.figures.order_by("order")
    first.hidden = True
    first.save()
    digest = DigestFactory(cover_figure=second)
    old_image = second.image.name

    with django_capture_on_commit_callbacks(execute=True):
        paper_parse(paper=paper)

    again = list(paper.figures.order_by("order"))
    assert [f.pk for f in again] == [first.pk, second.pk]
    assert again[0].hidden is True
    assert Digest.objects.get(pk=digest.pk).cover_figure_id == second.pk
    assert again[1].image.name != old_image
    storage = again[1].image.storage
    assert storage.exists(again[1].image.name) and not storage.exists(old_image)


def test_reprocessing_removes_stale_automatic_figures_and_keeps_imported_ones():
    generated = make_paper(seed=18, figures=("plot",))
    paper = stored_paper(generated.data)
    stale = FigureFactory(paper=paper, label="Figure 9", fingerprint="gone", is_automatic=True)
    imported = FigureFactory(paper=paper, label="Figure 1", is_automatic=False, source_url="https://example.org/f.png")

    paper_parse(paper=paper)

    assert not Figure.objects.filter(pk=stale.pk).exists()
    assert Figure.objects.get(pk=imported.pk).source_url == "https://example.org/f.png"
    assert paper.figures.filter(is_automatic=True).count() == 1


def _line(text: str, *, bold: bool = False) -> Line:
    span = Span(text, 9.0, 16 if bold else 0, "Times-Bold" if bold else "Times-Roman", (50, 100, 300, 110))
    return Line(0, (50, 100, 300, 110), text, 9.0, bold, [span])


@pytest.mark.parametrize("text", ["Table 2 shows the accuracy of every method", "Figure 3 compares the samplers"])
def test_a_sentence_about_a_figure_is_not_its_caption(text):
    assert caption_label(_line(text)) is None


@pytest.mark.parametrize(
    "text, bold, expected",
    [
        ("Table 2: Accuracy of every method", False, ("table", "Table 2")),
        ("Fig. 4. Overview of the sampler", False, ("figure", "Figure 4")),
        ("TABLE IV", False, ("table", "Table IV")),
        ("Table 2 Accuracy of every method", True, ("table", "Table 2")),
    ],
)
def test_caption_labels_with_punctuation_alone_or_bold_open_a_caption(text, bold, expected):
    assert caption_label(_line(text, bold=bold)) == expected
