"""The coverage ledger and calendar in headless Chromium at phone width (no script, CSS only)."""

import pytest

from tests.digests.builders import make_digest
from tests.digests.test_browser import browser, open_page  # noqa: F401 (fixtures)
from tests.factories import IngestRunFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_open_ledger_fits_a_phone(open_page):  # noqa: F811
    digest = make_digest(papers=1)
    IngestRunFactory(
        topic=digest.topic,
        digest_date=digest.date,
        status="ok",
        total_results=12,
        added_count=1,
        earlier_count=3,
    )
    page = open_page(digest.get_absolute_url(), width=375, height=740)
    page.locator("details.trust-ledger summary").click()
    assert page.locator('dd[data-count="earlier"]').is_visible()
    assert no_horizontal_scroll(page)


def test_calendar_fits_a_phone(open_page):  # noqa: F811
    digest = make_digest(papers=1)
    page = open_page(f"/topics/{digest.topic.slug}/calendar/?month=2024-05", width=375, height=740)
    assert page.locator("#day-2024-05-04").inner_text().strip().endswith("No arXiv announcement")
    assert no_horizontal_scroll(page)
