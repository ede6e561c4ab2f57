"""Digest pages in Debian's headless Chromium: math, TOC, fold-outs, phones, XSS.

These run in ``make test``; a missing Chromium is a failure, never a skip.
"""

import os
from pathlib import Path

import pytest

from tests.digests.builders import HOSTILE, add_figure, full_summary, make_digest
from tests.factories import DigestEntryFactory, PaperFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/install-test-deps.sh` (Debian's chromium).")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # the tests make around it are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server, settings):
    """Return a function that loads a path with every off-site request refused."""
    settings.ROOT_URLCONF = "tests.digests.urls_with_media"  # thumbnails really load
    contexts = []

    def open_page(path: str, *, width: int = 1280, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        offsite = []

        def guard(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                offsite.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        response = page.goto(live_server.url + path)
        assert response.status == 200
        page.offsite = offsite
        return page

    yield open_page
    for context in contexts:
        context.close()


def image_width(locator) -> int:
    """The natural width of an image once it has loaded (``decode`` waits; the page's CSP forbids polling by eval)."""
    return locator.evaluate("img => img.decode().then(() => img.naturalWidth)")


def open_all(page):
    """Open every entry's fold-out, as a reader tapping each would."""
    for summary in page.locator("details.more > summary").all():
        summary.click()


def test_math_renders_as_laid_out_mathml(open_page):
    page = open_page(make_digest(papers=2).get_absolute_url())
    open_all(page)
    layout = page.evaluate(
        """() => {
            const math = document.querySelector('.analysis math[display="block"]');
            const frac = document.querySelector('.takeaways math');
            const box = math.getBoundingClientRect();
            return {ns: math.namespaceURI, width: box.width, height: box.height,
                    display: getComputedStyle(math).display, inline: frac && frac.getBoundingClientRect().width};
        }"""
    )
    assert layout["ns"] == "http://www.w3.org/1998/Math/MathML"
    assert layout["width"] > 10 and layout["height"] > 10
    assert layout["display"] == "block math"
    assert layout["inline"] > 0
    assert page.offsite == []


def test_fraction_is_stacked_numerator_over_denominator(open_page):
    digest = make_digest(papers=1, background="Ratio $$\\frac{a}{b}$$ shown.")
    page = open_page(digest.get_absolute_url())
    open_all(page)
    numerator, denominator = page.evaluate(
        """() => [...document.querySelector('mfrac').children].map(c => c.getBoundingClientRect().top)"""
    )
    assert numerator < denominator


def test_toc_link_jumps_to_the_paper(open_page):
    # Compact entries: a dozen make a page tall enough for the seventh to scroll to the top.
    page = open_page(make_digest(papers=12).get_absolute_url())
    link = page.locator("nav.toc a").nth(6)
    target = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**/{target}")
    assert page.evaluate(f"Math.abs(document.querySelector('{target}').getBoundingClientRect().top)") < 40
    assert page.evaluate("window.scrollY") > 500


def test_figure_fold_out_opens_to_loaded_thumbnails(open_page):
    digest = make_digest(papers=1, figures=2)
    page = open_page(digest.get_absolute_url())
    details = page.locator("details.more").first
    assert details.get_attribute("open") is None
    assert not page.locator("details.more .thumbs img").first.is_visible()
    details.locator("summary").click()
    assert page.evaluate("document.querySelector('details.more').open")
    image = page.locator("details.more .thumbs img").first
    image.scroll_into_view_if_needed()
    assert image_width(image) == 320
    assert image.is_visible()
    paper = digest.entries.first().paper
    assert page.locator("details.more .thumbs a").first.get_attribute("href") == f"/papers/{paper.arxiv_id}/figures/1/"


def test_phone_width_has_no_horizontal_scroll(open_page):
    digest = make_digest(
        papers=2,
        figures=3,
        method="$$\\sum_{i=1}^{n} \\frac{x_i^2 + y_i^2 + z_i^2}{\\sqrt{a_i + b_i + c_i + d_i + e_i + f_i + g_i}} = "
        "\\int_0^\\infty e^{-t} \\log(1 + t) \\, dt + \\prod_{k=1}^{K} \\alpha_k \\beta_k \\gamma_k$$",
    )
    paper = digest.entries.first().paper
    paper.comment = "Project: https://example.org/" + "a-very-long-path-segment" * 12
    paper.save()
    page = open_page(digest.get_absolute_url(), width=375, height=740)
    open_all(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_hostile_content_stays_inert_and_page_still_renders(open_page):
    digest = make_digest(papers=0)
    for position, payload in enumerate(HOSTILE):
        paper = PaperFactory(
            title=f"Paper {position} {payload}",
            abstract=f"Abstract {payload} end.",
            comment=payload,
            authors=[payload, "Ada Lovelace"],
        )
        full_summary(
            paper,
            one_line=payload,
            key_takeaways=[payload],
            background=payload,
            method=f"Method {payload}",
            method_steps=[payload],
            keywords=[payload],
        )
        add_figure(paper, label="Figure 1", caption=payload)
        DigestEntryFactory(digest=digest, paper=paper, position=position)
    page = open_page(digest.get_absolute_url())
    open_all(page)
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    assert page.locator("article.paper").count() == len(HOSTILE)
    assert page.locator("h1").inner_text() == digest.topic.name
    assert page.locator("footer.site").is_visible()
    assert page.evaluate("document.querySelectorAll('script, iframe, svg, object, embed').length") == 0


def test_hostile_paper_page_stays_inert(open_page):
    digest = make_digest(papers=1, one_line=HOSTILE[0], background=HOSTILE[4], results=HOSTILE[1])
    page = open_page(digest.entries.first().paper.get_absolute_url())
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("h1").is_visible()
