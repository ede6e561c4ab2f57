"""Trust you can see: summary badges, the summary footnote, corrections, the coverage ledger and calendar."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.models import Digest, DigestEntry
from digests.services.cache import public_cache_invalidate
from papers.models import Paper, PaperStatus, SummaryRevision
from papers.services.revisions import summary_edit, summary_mark_reviewed
from tests.atom import Entry, feed, make_pdf
from tests.digests.builders import make_digest
from tests.factories import IngestRunFactory, PaperFactory, TopicFactory, TopicPaperFactory

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
DAY = datetime.date(2024, 5, 2)  # a Thursday
SATURDAY = datetime.date(2024, 5, 4)


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 0


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def badges(html: str) -> list[str]:
    return re.findall(r'class="trust-badge trust-([a-z]+)"', html)


def only_summary(digest):
    return digest.entries.get().paper.summaries.get()


def edit(summary, user, *, note: str = "", **content):
    return summary_edit(
        summary=summary,
        content=content or {"results": "FID 2.3, not 2.1."},
        user=user,
        expected_lock_version=summary.lock_version,
        public_note=note,
    )


def corrections_url(topic) -> str:
    return f"/topics/{topic.slug}/corrections/"


def calendar_url(topic, month: str = "2024-05") -> str:
    return f"/topics/{topic.slug}/calendar/?month={month}"


# -- badges ------------------------------------------------------------------------


def test_llm_summary_nobody_looked_at_is_badged_machine_not_reviewed(client):
    html = page(client, make_digest(papers=1, backend="openai", model_name="gpt-4o-mini").get_absolute_url())
    assert badges(html) == ["machine"]
    assert "machine summary, not reviewed" in html


def test_offline_summary_is_badged_offline(client):
    html = page(client, make_digest(papers=1).get_absolute_url())
    assert badges(html) == ["offline"]
    assert ">offline summary<" in html


def test_reviewed_unchanged_summary_is_badged_checked_with_its_date(client, editor):
    digest = make_digest(papers=1, backend="openai", model_name="gpt-4o-mini")
    summary = summary_mark_reviewed(summary=only_summary(digest), user=editor)
    html = page(client, digest.get_absolute_url())
    assert badges(html) == ["checked"]
    assert "checked by an editor" in html
    assert f'<time datetime="{summary.reviewed_at:%Y-%m-%d}">' in html


def test_corrected_summary_shows_badge_note_and_date(client, editor):
    digest = make_digest(papers=1, backend="openai", model_name="gpt-4o-mini")
    summary = edit(only_summary(digest), editor, note="The FID was misquoted.")
    html = page(client, digest.get_absolute_url())
    assert badges(html) == ["corrected"]
    note = re.search(r'<span class="trust-note">(.*?)</span>', html)[1]
    assert (
        note
        == f'The FID was misquoted. · <time datetime="{summary.revision_at:%Y-%m-%d}">{summary.revision_at:%Y-%m-%d}</time>'
    )


def test_summary_edited_after_review_is_badged_corrected_not_checked(client, editor):
    digest = make_digest(papers=1, backend="openai")
    summary = summary_mark_reviewed(summary=only_summary(digest), user=editor)
    edit(summary, editor, note="Fixed a number.")
    assert badges(page(client, digest.get_absolute_url())) == ["corrected"]


def test_public_note_is_escaped(client, editor):
    digest = make_digest(papers=1)
    edit(only_summary(digest), editor, note='<script>alert("x")</script> & <b>bold</b>')
    html = page(client, digest.get_absolute_url())
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html and "<b>bold</b>" not in html


def test_badge_links_to_the_papers_correction_on_the_topic_corrections_page(client, editor):
    digest = make_digest(papers=1)
    summary = edit(only_summary(digest), editor, note="Fixed.")
    html = page(client, digest.get_absolute_url())
    anchor = "paper-" + summary.paper.arxiv_id.replace(".", "-")
    assert f'href="{corrections_url(digest.topic)}#{anchor}"' in html
    assert f'id="{anchor}"' in page(client, corrections_url(digest.topic))


def test_badges_speak_the_topics_language(client):
    html = page(client, make_digest(papers=1, language="zh-hans", backend="openai").get_absolute_url())
    assert "机器摘要，未经编辑审核" in html
    assert "machine summary, not reviewed" not in html


def test_reverting_to_a_correction_keeps_its_public_note(editor):
    from papers.services.revisions import summary_apply_revision

    digest = make_digest(papers=1)
    corrected = edit(only_summary(digest), editor, note="Fixed the sampler's name.")
    correction = corrected.live_revision
    edit(corrected, editor, note="Shortened.", one_line="Short.")
    restored = summary_apply_revision(revision=correction, user=editor)
    assert restored.is_edited and restored.public_note == "Fixed the sampler's name."


# -- footnote ----------------------------------------------------------------------


def footnote(html: str) -> str:
    return re.search(r'<p class="trust-footnote"><small>(.*?)</small></p>', html)[1]


def test_footnote_names_model_prompt_and_date(client):
    digest = make_digest(papers=1, backend="openai", model_name="gpt-4o-mini", prompt_version="v3")
    written = only_summary(digest).revision_at
    assert (
        footnote(page(client, digest.get_absolute_url()))
        == f"Summary written by gpt-4o-mini, prompt v3. Written on {written:%Y-%m-%d}."
    )


def test_footnote_of_offline_summary_says_no_llm(client):
    assert footnote(page(client, make_digest(papers=1).get_absolute_url())).startswith(
        "Offline summary: sentences taken from the paper, no LLM involved."
    )


def test_footnote_of_corrected_summary_keeps_the_model_and_dates_the_edit(client, editor):
    digest = make_digest(papers=1, backend="openai", model_name="gpt-4o-mini", prompt_version="v3")
    corrected = edit(only_summary(digest), editor)
    assert footnote(page(client, digest.get_absolute_url())) == (
        f"Summary written by gpt-4o-mini, prompt v3. Last changed by an editor on {corrected.revision_at:%Y-%m-%d}."
    )


def test_footnote_follows_a_new_model_with_the_same_text(client):
    # The summary block is memoised on its fields: provenance must be part of them.
    digest = make_digest(papers=1, backend="openai", model_name="gpt-4o-mini", prompt_version="v3")
    url = digest.get_absolute_url()
    assert "gpt-4o-mini" in footnote(page(client, url))
    SummaryRevision.objects.filter(summary__paper__digest_entries__digest=digest).update(model_name="gpt-4.1")
    Paper.objects.filter(digest_entries__digest=digest).update(updated_at=timezone.now())
    public_cache_invalidate()
    assert "gpt-4.1" in footnote(page(client, url))


# -- corrections page --------------------------------------------------------------


def test_corrections_are_listed_newest_first_with_note_and_paper_link(client, editor):
    digest = make_digest(papers=3)
    summaries = [entry.paper.summaries.get() for entry in digest.entries.order_by("position")]
    base = timezone.now() - datetime.timedelta(days=3)
    for day, (summary, note) in enumerate(zip(summaries[:2], ["Older fix.", "Newer fix."], strict=True)):
        revision = edit(summary, editor, note=note).live_revision
        SummaryRevision.objects.filter(pk=revision.pk).update(created_at=base + datetime.timedelta(days=day))
    html = page(client, corrections_url(digest.topic))
    assert html.index("Newer fix.") < html.index("Older fix.")
    assert f'href="{summaries[1].paper.get_absolute_url()}"' in html
    assert f"{(base + datetime.timedelta(days=1)):%Y-%m-%d}</time>" in html
    assert summaries[2].paper.title not in html  # never corrected


def test_corrections_page_leaves_out_drafts_and_hidden_entries(client, editor):
    topic = TopicFactory()
    published = make_digest(papers=1, topic=topic, date=DAY)
    draft = make_digest(papers=1, topic=topic, date=DAY + datetime.timedelta(days=1), published=False)
    hidden = make_digest(papers=1, topic=topic, date=DAY - datetime.timedelta(days=1))
    hidden.entries.update(hidden=True)
    for digest, note in ((published, "Shown fix."), (draft, "Draft fix."), (hidden, "Hidden fix.")):
        edit(only_summary(digest), editor, note=note)
    html = page(client, corrections_url(topic))
    assert "Shown fix." in html
    assert "Draft fix." not in html and "Hidden fix." not in html


def test_correction_without_a_note_says_so(client, editor):
    digest = make_digest(papers=1)
    edit(only_summary(digest), editor)
    assert "The editor left no note." in page(client, corrections_url(digest.topic))


def test_topic_page_links_to_corrections_and_calendar(client):
    topic = make_digest(papers=1).topic
    html = page(client, topic.get_absolute_url())
    assert f'href="{corrections_url(topic)}"' in html
    assert f'href="/topics/{topic.slug}/calendar/"' in html


def test_corrections_page_of_unknown_topic_is_404(client):
    assert client.get("/topics/nope/corrections/").status_code == 404


def corrected_digest(papers: int, slug: str, editor):
    topic = TopicFactory(slug=slug)
    digest = make_digest(papers=papers, topic=topic, date=DAY)
    for entry in digest.entries.all():
        edit(entry.paper.summaries.get(), editor, note=f"Fixed {entry.paper.arxiv_id}.")
    public_cache_invalidate()
    return topic


@pytest.mark.parametrize("url_for", [corrections_url, calendar_url], ids=["corrections", "calendar"])
def test_query_count_does_not_grow_with_papers(client, editor, url_for, django_assert_num_queries):
    small = url_for(corrected_digest(5, "small", editor))
    with CaptureQueriesContext(connection) as few:
        assert client.get(small).status_code == 200
    large = url_for(corrected_digest(50, "large", editor))
    with django_assert_num_queries(len(few)):
        response = client.get(large)
    assert response.status_code == 200
    assert response.content.decode().count("Fixed ") == (50 if url_for is corrections_url else 0)


# -- coverage ledger ---------------------------------------------------------------


def counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-count="([a-z-]+)">(.*?)</dd>', html))


def publish(digest: Digest) -> None:
    Digest.objects.filter(pk=digest.pk).update(
        status="published", published_at=timezone.now() - datetime.timedelta(hours=1)
    )
    public_cache_invalidate()


def test_ledger_counts_come_from_an_ingest_through_the_real_pipeline(client, tmp_path):
    topic = TopicFactory(lookback_days=1)
    earlier = PaperFactory(arxiv_id="2405.00003", status=PaperStatus.SUMMARIZED)
    TopicPaperFactory(topic=topic, paper=earlier, digest_date=DAY - datetime.timedelta(days=1))
    in_window = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    entries = [
        Entry(arxiv_id="2405.00001", title="Fast Diffusion Sampling", published=in_window),
        Entry(arxiv_id="2405.00002", title="A Paper Without a PDF", published=in_window),
        Entry(arxiv_id="2405.00003", published=in_window),
        Entry(arxiv_id="2404.00004", published=datetime.datetime(2024, 4, 20, tzinfo=UTC)),
    ]
    (tmp_path / "arxiv.xml").write_bytes(feed(entries))
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "2405.00001v1.pdf").write_bytes(make_pdf(entries[0].title))

    call_command("ingest", topic.slug, date=DAY.isoformat(), source=str(tmp_path / "arxiv.xml"))

    digest = topic.digests.get(date=DAY)
    publish(digest)
    html = page(client, digest.get_absolute_url())
    assert counts(html) == {
        "returned": "4",
        "outside": "1",
        "earlier": "1",
        "new": "2",
        "shown": "1",
        "hidden": "0",
        "not-processed": "1: the PDF could not be downloaded (1)",
    }
    assert "papers first submitted from 2024-05-01 to 2024-05-01 (UTC)" in html


def test_ledger_counts_hidden_entries_and_papers_still_in_the_pipeline(client):
    digest = make_digest(papers=3)
    entries = list(digest.entries.order_by("position"))
    DigestEntry.objects.filter(pk=entries[0].pk).update(hidden=True)
    run = IngestRunFactory(
        topic=digest.topic,
        digest_date=DAY,
        status="ok",
        total_results=4,
        added_count=4,
        earlier_count=0,
    )
    for entry in entries:
        TopicPaperFactory(topic=digest.topic, paper=entry.paper, digest_date=DAY, ingest_run=run)
    TopicPaperFactory(
        topic=digest.topic, paper=PaperFactory(status=PaperStatus.PARSED), digest_date=DAY, ingest_run=run
    )
    got = counts(page(client, digest.get_absolute_url()))
    assert (got["new"], got["shown"], got["hidden"], got["pending"]) == ("4", "2", "1", "1")


def test_ledger_of_a_run_from_before_the_counts_says_not_recorded(client):
    digest = make_digest(papers=1)
    IngestRunFactory(
        topic=digest.topic,
        digest_date=DAY,
        status="ok",
        total_results=1,
    )
    html = page(client, digest.get_absolute_url())
    assert counts(html)["earlier"] == "not recorded"


def test_ledger_without_any_run_says_arxivs_answer_was_not_recorded(client):
    html = page(client, make_digest(papers=1).get_absolute_url())
    assert "arXiv's answer for this day was not recorded." in html
    assert "returned" not in counts(html)


def test_ledger_ignores_failed_runs_and_reads_the_latest_finished_one(client):
    digest = make_digest(papers=1)
    common = {
        "topic": digest.topic,
        "digest_date": DAY,
    }
    IngestRunFactory(**common, status="ok", total_results=7, started_at=timezone.now() - datetime.timedelta(hours=2))
    IngestRunFactory(**common, status="ok", total_results=9, started_at=timezone.now() - datetime.timedelta(hours=1))
    IngestRunFactory(**common, status="failed", total_results=0)
    assert counts(page(client, digest.get_absolute_url()))["returned"] == "9"


def test_ledger_speaks_the_topics_language(client):
    html = page(client, make_digest(papers=1, language="zh-hans").get_absolute_url())
    assert "本日收录情况：展示 1 篇论文" in html and "未记录 arXiv 当日的返回结果。" in html


# -- calendar ----------------------------------------------------------------------


def day_cell(html: str, date: datetime.date) -> str:
    return re.search(rf'<td class="trust-day trust-day-([a-z-]+)" id="day-{date:%Y-%m-%d}">(.*?)</td>', html, re.S)


def test_calendar_says_saturday_has_no_arxiv_announcement(client):
    topic = make_digest(papers=1, date=DAY).topic
    cell = day_cell(page(client, calendar_url(topic)), SATURDAY)
    assert cell[1] == "no-announcement"
    assert "No arXiv announcement" in cell[2]


def test_calendar_says_a_weekday_whose_runs_found_nothing_new_had_no_announcement(client):
    topic = make_digest(papers=1, date=DAY).topic
    friday = DAY + datetime.timedelta(days=1)
    IngestRunFactory(
        topic=topic,
        digest_date=friday,
        status="empty",
    )
    assert day_cell(page(client, calendar_url(topic)), friday)[1] == "no-announcement"


def test_calendar_day_shows_papers_shown_and_not_processed_with_a_link(client):
    digest = make_digest(papers=2, date=DAY)
    TopicPaperFactory(topic=digest.topic, paper=PaperFactory(status="failed", failed_step="parse"), digest_date=DAY)
    cell = day_cell(page(client, calendar_url(digest.topic)), DAY)
    assert cell[1] == "shown"
    assert f'<a href="{digest.get_absolute_url()}">2 papers shown</a>' in cell[2]
    assert "1 not processed" in cell[2]


def test_calendar_hides_draft_digests(client):
    topic = TopicFactory()
    make_digest(papers=1, topic=topic, date=DAY - datetime.timedelta(days=1))
    draft = make_digest(papers=1, topic=topic, date=DAY, published=False)
    TopicPaperFactory(topic=topic, paper=draft.entries.get().paper, digest_date=DAY)
    html = page(client, calendar_url(topic))
    assert draft.get_absolute_url() not in html
    assert day_cell(html, DAY)[1] == "not-published"


def test_calendar_weeks_start_on_monday(client):
    topic = make_digest(papers=1, date=DAY).topic
    html = page(client, calendar_url(topic))
    # May 2024 starts on a Wednesday: two empty cells open its first week.
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S)[1]
    assert first_row.startswith("<td></td><td></td><td")


def test_calendar_defaults_to_the_latest_digests_month(client):
    topic = make_digest(papers=1, date=DAY).topic
    assert day_cell(page(client, f"/topics/{topic.slug}/calendar/"), DAY)[1] == "shown"


def test_paper_page_shows_the_badge_and_note_of_its_summary(client, editor):
    digest = make_digest(papers=1)
    summary = edit(only_summary(digest), editor, note="Fixed the method section.")
    html = page(client, summary.paper.get_absolute_url())
    assert badges(html) == ["corrected"]
    assert "Fixed the method section." in html


def test_marking_reviewed_changes_the_cached_digest_page(client, settings, editor, django_capture_on_commit_callbacks):
    settings.PUBLIC_CACHE_SECONDS = 300
    digest = make_digest(papers=1, backend="openai")
    url = digest.get_absolute_url()
    first = client.get(url)
    assert badges(first.content.decode()) == ["machine"]
    with django_capture_on_commit_callbacks(execute=True):
        summary_mark_reviewed(summary=only_summary(digest), user=editor)
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert badges(again.content.decode()) == ["checked"]


def test_an_ingest_finding_nothing_shows_on_the_cached_calendar(client, settings, django_capture_on_commit_callbacks):
    from papers.services.ingest import topic_ingest
    from tests.servers import FakeServer, Reply

    settings.PUBLIC_CACHE_SECONDS = 300
    topic = make_digest(papers=1, date=DAY).topic
    friday = DAY + datetime.timedelta(days=1)
    assert day_cell(page(client, calendar_url(topic)), friday)[1] == "not-recorded"
    with FakeServer() as arxiv, django_capture_on_commit_callbacks(execute=True):
        arxiv.route("/api/query", Reply.atom(feed([])))
        topic_ingest(topic=topic, digest_date=friday, source_url=arxiv.url("/api/query"), enqueue=False)
    assert day_cell(page(client, calendar_url(topic)), friday)[1] == "no-announcement"


def test_footnote_of_an_imported_summary_dates_the_import(client):
    digest = make_digest(papers=1, backend="hexo-import", model_name="gpt-4o")
    SummaryRevision.objects.filter(summary__paper__digest_entries__digest=digest).update(kind="imported")
    imported = only_summary(digest).revision_at
    assert footnote(page(client, digest.get_absolute_url())) == (
        f"Summary written by gpt-4o. Imported on {imported:%Y-%m-%d}."
    )


# -- a digest address with no digest ------------------------------------------------


def no_digest_answer(topic, date):
    from django.test import RequestFactory

    from digests.views_trust import day_without_digest

    request = RequestFactory().get(f"/topics/{topic.slug}/{date:%Y-%m-%d}/")
    return day_without_digest(request, slug=topic.slug, date=date)


def test_saturday_address_says_arxiv_announces_nothing_on_weekends():
    topic = make_digest(papers=1, date=DAY).topic
    response = no_digest_answer(topic, SATURDAY)
    assert response.status_code == 404
    html = response.content.decode()
    assert "arXiv announces no new papers on Saturdays and Sundays" in html
    assert f'href="/topics/{topic.slug}/calendar/?month=2024-05"' in html


def test_weekday_address_whose_run_found_nothing_says_no_announcement():
    topic = make_digest(papers=1, date=DAY).topic
    friday = DAY + datetime.timedelta(days=1)
    IngestRunFactory(
        topic=topic,
        digest_date=friday,
        status="empty",
    )
    assert "arXiv announced no new papers" in no_digest_answer(topic, friday).content.decode()


def test_weekday_address_without_a_record_is_a_plain_404():
    from django.http import Http404

    topic = make_digest(papers=1, date=DAY).topic
    with pytest.raises(Http404):
        no_digest_answer(topic, DAY + datetime.timedelta(days=5))


def test_ledger_says_when_arxivs_answer_hit_the_topics_limit(client):
    topic = TopicFactory(max_papers_per_day=3)
    digest = make_digest(papers=1, topic=topic)
    IngestRunFactory(
        topic=topic,
        digest_date=DAY,
        status="ok",
        total_results=3,
    )
    assert "arXiv's answer stops at this topic's limit of 3 papers." in page(client, digest.get_absolute_url())


def test_a_saturday_digest_address_says_arxiv_announced_nothing(client):
    topic = make_digest(papers=1, date=DAY).topic
    response = client.get(f"/topics/{topic.slug}/2024-05-04/")  # a Saturday
    assert response.status_code == 404
    assert "arXiv announces no new papers on Saturdays and Sundays" in response.content.decode()
