"""A reader's day in one screen, in headless Chromium: the compact list, fold-outs, figure pages, themes, print.

Screenshots land in var/screenshots/ (gitignored) for a person to look at.
"""

import datetime
import re

import pytest

from papers.models import PaperContent
from tests.digests import test_browser
from tests.digests.builders import add_figure, full_summary
from tests.digests.test_browser import image_width, open_all
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory
from tests.sample_day import ROOT, sample_papers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Chromium and page fixtures of the digest browser tests.
browser = test_browser.browser
open_page = test_browser.open_page

PHONE = {"width": 390, "height": 844}
WIDTHS = [1280, 390]
SCREENSHOTS = ROOT / "var" / "screenshots"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def demo_like_day(papers: int = 7, *, figures: int = 2):
    """The sample day's papers (real titles, author lists, abstracts) with one-liners, affiliations and figures."""
    topic = TopicFactory(name="Computer Vision")
    digest = DigestFactory(
        topic=topic,
        date=datetime.date(2024, 5, 2),
        status="published",
        published_at=datetime.datetime(2024, 5, 2, 8, tzinfo=datetime.UTC),
    )
    for position, (_, _, fields) in enumerate(sample_papers()[:papers]):
        paper = PaperFactory(**fields)
        # The one line of an offline summary is one sentence of at most 35 words.
        first_sentence = " ".join(re.split(r"(?<=\.)\s", fields["abstract"])[0].split()[:35])
        full_summary(paper, one_line=first_sentence, keywords=["diffusion", "video", fields["primary_category"]])
        PaperContent.objects.create(
            paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation="University of Somewhere",
            code_links=[{"url": "https://github.com/example/code", "kind": "code", "source": "pdf"}],
        )  # fmt: skip
        for number in range(figures):
            add_figure(paper, label=f"Figure {number + 1}", caption=f"Figure {number + 1}: " + "A panel. " * 20)
        DigestEntryFactory(digest=digest, paper=paper, position=position)
    return digest


@pytest.mark.parametrize("width", WIDTHS)
def test_digest_opens_as_a_compact_list_of_closed_entries(open_page, width):
    digest = demo_like_day()
    page = open_page(digest.get_absolute_url(), width=width)
    shot(page, f"digest-compact-{width}")
    assert page.locator("article.paper").count() == 7
    assert page.evaluate("[...document.querySelectorAll('details.more')].filter(d => d.open).length") == 0
    for gist in page.locator("article.paper .gist").all():
        assert gist.is_visible()
    assert page.locator("article.paper .lead-figure img").first.is_visible()
    assert not page.locator(".takeaways").first.is_visible()
    assert not page.locator(".abstract").first.is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_one_tap_opens_a_papers_takeaways_analysis_abstract_and_figures(open_page, width):
    digest = demo_like_day()
    page = open_page(digest.get_absolute_url(), width=width)
    entry = page.locator("article.paper").nth(2)
    entry.locator("details.more > summary").click()
    for part in (".takeaways", ".analysis", ".abstract", ".thumbs img"):
        assert entry.locator(part).first.is_visible(), part
    assert entry.locator(".thumbs figcaption").count() == 2
    # Only the tapped entry opened.
    assert page.evaluate("[...document.querySelectorAll('details.more')].filter(d => d.open).length") == 1
    shot(page, f"digest-opened-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_phone_and_desktop_have_no_horizontal_scroll_with_everything_open(open_page, width):
    page = open_page(demo_like_day().get_absolute_url(), width=width)
    open_all(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_collapsed_demo_day_fits_in_three_phone_screens(open_page):
    page = open_page(demo_like_day().get_absolute_url(), **PHONE)
    shot(page, "digest-phone-collapsed")
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"collapsed day at 390x844: {height}px")
    assert height < 3 * PHONE["height"], height


@pytest.mark.parametrize("width", WIDTHS)
def test_figure_page_walks_to_the_next_and_previous_figure(open_page, width):
    digest = demo_like_day(papers=1, figures=3)
    paper = digest.entries.get().paper
    page = open_page(digest.get_absolute_url(), width=width)
    page.locator("article.paper .lead-figure").click()
    page.wait_for_url(f"**/papers/{paper.arxiv_id}/figures/1/")
    page.locator('a[rel="next"]').click()
    page.wait_for_url(f"**/papers/{paper.arxiv_id}/figures/2/")
    assert image_width(page.locator(".figure-large img")) == 640
    assert page.locator(".figure-large figcaption").inner_text().startswith("A panel.")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot(page, f"figure-page-{width}")
    page.locator('a[rel="prev"]').click()
    page.wait_for_url(f"**/papers/{paper.arxiv_id}/figures/1/")
    page.get_by_role("link", name="Back to the paper").click()
    page.wait_for_url(f"**{paper.get_absolute_url()}")


def test_sharp_screens_get_the_web_image_and_plain_screens_the_thumbnail(open_page):
    digest = demo_like_day(papers=1, figures=1)
    figure = digest.entries.get().paper.figures.get()
    sources = {}
    for scale in (1, 2):
        page = open_page(digest.get_absolute_url(), device_scale_factor=scale)
        lead = page.locator(".lead-figure img")
        assert image_width(lead) > 0
        sources[scale] = lead.evaluate("img => img.currentSrc")
    assert sources[1].endswith(figure.thumbnail.url)
    assert sources[2].endswith(figure.image.url)


@pytest.mark.parametrize("width", WIDTHS)
def test_dark_scheme_gets_a_dark_background(open_page, width):
    url = demo_like_day(papers=2).get_absolute_url()
    background = "getComputedStyle(document.documentElement).backgroundColor"
    light = open_page(url, width=width, color_scheme="light").evaluate(background)
    dark_page = open_page(url, width=width, color_scheme="dark")
    dark = dark_page.evaluate(background)
    shot(dark_page, f"digest-dark-{width}")
    assert light == "rgb(255, 255, 255)"
    assert dark != light
    assert sum(int(n) for n in re.findall(r"\d+", dark)[:3]) < 3 * 64


def test_print_drops_the_site_chrome_and_shows_folded_content(open_page):
    page = open_page(demo_like_day(papers=2).get_absolute_url())
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator("form.search").is_visible()
    assert not page.locator("nav.toc").is_visible()
    assert page.locator("article.paper .takeaways").first.is_visible()
    assert page.locator("article.paper .abstract").first.is_visible()
