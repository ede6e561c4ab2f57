"""An editor takes a flagged day to a published, corrected digest in a real browser."""

import io
import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image

from papers.models import Figure
from tests.papers.admin_data import RIGHT_CLAIM, WRONG_CLAIM, flagged_day

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def _give_images(figure: Figure, name: str) -> None:
    figure.image.save(f"{name}.png", ContentFile(_png()), save=False)
    figure.thumbnail.save(f"{name}-thumb.png", ContentFile(_png()), save=False)
    figure.caption = f"Caption of {name}"
    figure.save()


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # the test makes between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_fixes_reviews_reorders_hides_and_publishes(live_server, browser, django_user_model):
    day = flagged_day(n=2)
    flagged_paper, other_paper = day.papers
    _give_images(day.figures[0], "fig-hidden")
    extra = Figure.objects.create(paper=flagged_paper, label="Figure 2", order=5)
    _give_images(extra, "fig-kept")
    call_command("setup_roles", verbosity=0)
    editor = django_user_model.objects.create_user(username="editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))

    page = browser.new_page()
    page.set_default_timeout(15000)
    # Log in through Django's admin login form.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#editor-desk")

    # The review queue puts the flagged paper first, with its flag readable.
    page.click("#editor-desk >> text=Review queue")
    first_row = page.locator("#result_list tbody tr").first
    assert "author not in metadata: Xudong Zhang" in first_row.inner_text()
    first_row.locator("a").first.click()

    # Fix the sentence that invents an author and claims a wrong affiliation.
    page.wait_for_selector("#summary_form")
    assert page.input_value("#id_one_line") == WRONG_CLAIM
    page.fill("#id_one_line", RIGHT_CLAIM)
    page.click("#summary_form input[name=_save]")
    page.wait_for_selector("text=No blocking problems remain")
    assert "author not in metadata" not in page.inner_text("#flags")

    page.click("#mark-reviewed")
    page.wait_for_selector("text=Marked reviewed.")
    assert "Reviewed by editor" in page.inner_text("#flags")

    # Hide the first figure.
    page.click(f"#figure-{day.figures[0].pk} .figure-toggle")
    page.wait_for_selector(f"#figure-{day.figures[0].pk}.is-hidden")

    # Reorder: move the first entry down, save.
    page.click("#digests a")
    page.wait_for_selector("#entries-group")
    page.locator("#entries-group .entry-move-down").first.click()
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    # Publish: no blocking problems remain, so no confirmation is needed.
    page.goto(f"{live_server.url}/admin/digests/digest/{day.digest.pk}/change/")
    page.click("#digest-publish")
    page.wait_for_selector("#publish-form")
    assert page.locator("#publish-blockers").count() == 0
    page.click("#publish-submit")
    page.wait_for_selector("text=Published now")

    # The public, as an anonymous reader, sees the fix, the new order and no hidden figure.
    reader = browser.new_page()
    response = reader.goto(f"{live_server.url}{day.digest.get_absolute_url()}")
    assert response.status == 200
    html = reader.content()
    text = reader.inner_text("body")
    assert RIGHT_CLAIM in text and "Xudong Zhang" not in text
    assert text.index(other_paper.title) < text.index(flagged_paper.title)
    assert "fig-kept" in html and "fig-hidden" not in html
    _assert_feed(reader, live_server, day, other_paper, flagged_paper)


def _assert_feed(reader, live_server, day, first_paper, second_paper):
    import feedparser

    response = reader.request.get(f"{live_server.url}/feeds/{day.topic.slug}/rss.xml")
    assert response.status == 200
    parsed = feedparser.parse(response.body())
    assert not parsed.bozo, parsed.get("bozo_exception")
    (item,) = [e for e in parsed.entries if day.digest.date.isoformat() in (e.get("link") or "")]
    body = item.get("content", [{}])[0].get("value") or item.get("summary", "")
    assert RIGHT_CLAIM in body and "Xudong Zhang" not in body
    assert body.index(first_paper.title) < body.index(second_paper.title)
    assert "fig-kept" in body and "fig-hidden" not in body
