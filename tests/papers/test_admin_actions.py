"""Paper actions queue django-q2 tasks once; the tasks call the CLI's services; the dashboard counts."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django_q.models import Task

from papers.admin.papers import pipeline_counts
from papers.models import Paper
from papers.tasks import refresh_metadata_task, regenerate_summaries_task
from tests.atom import Entry, feed
from tests.factories import PaperFactory, TopicFactory, TopicPaperFactory
from tests.papers.admin_data import flagged_day
from tests.queue import queued_tasks
from tests.servers import FakeServer, Reply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the double-click guard lives in the cache


def _queued() -> list[dict]:
    return queued_tasks()


def _run_action(client, action, papers, **extra):
    # Work is queued on commit; run those callbacks as the request's commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("admin:papers_paper_changelist"),
            {"action": action, "_selected_action": [p.pk for p in papers], **extra},
            follow=True,
        )


@pytest.mark.parametrize(
    "action, func",
    [
        ("refresh_metadata", "papers.tasks.refresh_metadata_task"),
        ("reprocess", "papers.tasks.reprocess_papers_task"),
        ("regenerate", "papers.tasks.regenerate_summaries_task"),
    ],
)
def test_bulk_action_queues_one_task_per_paper(editor_client, editor, settings, action, func):
    day = flagged_day()
    _run_action(editor_client, action, day.papers)
    tasks = _queued()
    assert [t["func"] for t in tasks] == [func, func]
    assert {t["timeout"] for t in tasks} == {settings.Q_TIMEOUT}
    assert LogEntry.objects.filter(user=editor, change_message__startswith="Queued").count() == 2


def test_double_click_queues_the_work_once(editor_client):
    day = flagged_day()
    _run_action(editor_client, "reprocess", day.papers[:1])
    response = _run_action(editor_client, "reprocess", day.papers[:1])
    assert len(_queued()) == 1
    assert "Already queued a moment ago" in response.content.decode()


def test_paper_being_processed_is_not_queued_again(editor_client):
    day = flagged_day()
    Paper.objects.filter(pk=day.papers[0].pk).update(processing_until=timezone.now() + datetime.timedelta(minutes=5))
    response = _run_action(editor_client, "regenerate", day.papers)
    assert [t["args"] for t in _queued()] == [([day.papers[1].pk],)]
    assert "being processed right now: " + day.papers[0].arxiv_id in response.content.decode()


def test_regenerate_with_another_model_asks_then_passes_the_model(editor_client):
    day = flagged_day()
    page = _run_action(editor_client, "regenerate_with_model", day.papers[:1])
    assert "Queue regeneration" in page.content.decode()
    _run_action(editor_client, "regenerate_with_model", day.papers[:1], apply="1", model="gpt-4.1")
    (task,) = _queued()
    assert task["kwargs"]["model"] == "gpt-4.1"


def test_single_paper_button_queues_and_shows_on_the_paper_page(editor_client):
    day = flagged_day()
    paper = day.papers[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = editor_client.post(
            reverse("admin:papers_paper_run", args=[paper.pk, "refresh_metadata"]), follow=True
        )
    assert [t["args"] for t in _queued()] == [(paper.pk,)]
    html = response.content.decode()
    assert "Queued re-fetch metadata for 1 paper" in html
    assert "Last task at" in html and "Last error" in html


def test_regenerate_task_skips_a_leased_paper(db):
    paper = PaperFactory()
    Paper.objects.filter(pk=paper.pk).update(processing_until=timezone.now() + datetime.timedelta(minutes=5))
    assert regenerate_summaries_task([paper.pk])["busy"] == [paper.pk]


def test_refresh_metadata_task_updates_the_paper_from_the_real_client(settings):
    paper = PaperFactory(arxiv_id="2404.19382", version=1, journal_ref="")
    entry = Entry(arxiv_id="2404.19382", version=1, title=paper.title, journal_ref="CVPR 2024")
    with FakeServer() as server:
        server.route("/api/query", Reply.atom(feed([entry])))
        settings.ARXIV_API_URL = server.url("/api/query")
        assert refresh_metadata_task(paper.pk) == "unchanged"
        (request,) = server.requests_to("/api/query")
    assert request.arg("id_list") == "2404.19382"
    paper.refresh_from_db()
    assert paper.journal_ref == "CVPR 2024"
    assert paper.last_task_at is not None


def test_refresh_metadata_failure_is_written_on_the_paper(settings):
    from papers.services.errors import MetadataError

    paper = PaperFactory(arxiv_id="2404.18919")
    with FakeServer() as server:
        server.route("/api/query", Reply(404, b"no such thing"))
        settings.ARXIV_API_URL = server.url("/api/query")
        with pytest.raises(MetadataError):
            refresh_metadata_task(paper.pk)
    paper.refresh_from_db()
    assert paper.last_error.startswith("Re-fetching metadata failed: The arXiv API")
    assert paper.status == "fetched"  # nothing already fetched is lost


def test_dashboard_counts_per_topic_and_day_in_one_query(django_assert_num_queries, editor):
    topic = TopicFactory(language="en")
    day = datetime.date.today()
    for status in ("summarized", "summarized", "failed", "parsed", "fetched"):
        TopicPaperFactory(
            topic=topic,
            paper=PaperFactory(status=status, failed_step="parse" if status == "failed" else ""),
            digest_date=day,
        )
    from tests.factories import SummaryFactory

    reviewed = Paper.objects.filter(status="summarized").first()
    SummaryFactory(paper=reviewed, language="en", reviewed_at=timezone.now(), reviewed_by=editor)
    SummaryFactory(paper=reviewed, language="zh-hans", reviewed_at=timezone.now())
    with django_assert_num_queries(1):
        (row,) = list(pipeline_counts(since=day))
    assert (row["fetched"], row["parsed"], row["summarized"], row["failed"], row["reviewed"]) == (5, 3, 2, 1, 1)
    assert row["pending"] == 2  # the parsed and the fetched paper: still on their way


def _failure(func="papers.tasks.process_papers_task", args=([1],)):
    return Task.objects.create(
        id="f" * 32,
        name="pipeline-x",
        func=func,
        args=args,
        kwargs={},
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
        result="Traceback: boom <b>here</b>",
        group="pipeline",
    )


def test_dashboard_shows_failed_tasks_with_their_errors(editor_client):
    _failure()
    html = editor_client.get(reverse("admin:papers_dashboard")).content.decode()
    assert "papers.tasks.process_papers_task" in html
    assert "boom &lt;b&gt;here&lt;/b&gt;" in html


def test_retry_requeues_the_failed_task_and_removes_it(editor_client):
    failure = _failure()
    with TestCase.captureOnCommitCallbacks(execute=True):
        editor_client.post(reverse("admin:papers_failure_retry", args=[failure.id]))
    (task,) = _queued()
    assert task["func"] == "papers.tasks.process_papers_task" and task["args"] == ([1],)
    assert not Task.objects.filter(id=failure.id).exists()


def test_regenerate_task_after_an_edit_leaves_a_candidate(editor):
    from papers.models import RevisionState
    from papers.services.revisions import summary_edit
    from tests.papers.admin_data import RIGHT_CLAIM

    day = flagged_day()
    summary = summary_edit(
        summary=day.flagged,
        content={"one_line": RIGHT_CLAIM},
        user=editor,
        expected_lock_version=day.flagged.lock_version,
    )
    outcome = regenerate_summaries_task([summary.paper_id])
    assert outcome["done"] == [summary.paper_id], outcome
    summary.refresh_from_db()
    assert summary.one_line == RIGHT_CLAIM
    assert summary.revisions.filter(state=RevisionState.CANDIDATE, author=None).count() == 1
    assert Paper.objects.get(pk=summary.paper_id).processing_until is None
