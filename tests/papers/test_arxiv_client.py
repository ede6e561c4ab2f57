"""The real arxiv client against a real HTTP server on 127.0.0.1."""

import datetime
import email.utils
import time

import arxiv
import pytest

from papers.models import IngestRunStatus, Paper
from papers.services.arxiv_client import arxiv_client_build
from papers.services.ingest import topic_ingest
from papers.services.retry import MAX_RETRY_AFTER_SECONDS
from tests.atom import Entry, feed, paged_handler
from tests.factories import TopicFactory
from tests.servers import Reply, closed_port_url
from tests.threads import record_reserved_starts, run_concurrently

DAY = datetime.date(2024, 5, 2)
IN_WINDOW = datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.timezone.utc)


def entries(n, start=0):
    return [
        Entry(arxiv_id=f"2405.{i:05d}", title=f"Paper {i}", published=IN_WINDOW - datetime.timedelta(minutes=i))
        for i in range(start, start + n)
    ]


def ingest(topic=None):
    return topic_ingest(topic=topic or TopicFactory(), digest_date=DAY, enqueue=False)


@pytest.mark.django_db
def test_paging_fetches_every_page(arxiv_api, settings):
    settings.ARXIV_PAGE_SIZE = 2
    arxiv_api.route("/api/query", paged_handler(entries(5)))
    run = ingest()
    assert run.status == IngestRunStatus.OK
    assert len(arxiv_api.requests_to("/api/query")) == 3
    assert [r.arg("start") for r in arxiv_api.requests_to("/api/query")] == ["0", "2", "4"]
    assert Paper.objects.count() == 5 and run.new_count == 5


@pytest.mark.django_db
def test_query_sent_has_topic_query_date_window_and_sort(arxiv_api):
    arxiv_api.route("/api/query", Reply.atom(feed(entries(1))))
    ingest(TopicFactory(arxiv_query='abs:"diffusion model"', categories=["cs.CV"], lookback_days=1))
    request = arxiv_api.requests_to("/api/query")[0]
    assert request.arg("search_query") == (
        '(abs:"diffusion model") AND (cat:cs.CV) AND submittedDate:[202405010000 TO 202405012359]'
    )
    assert request.arg("sortBy") == "submittedDate" and request.arg("sortOrder") == "descending"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [503, 429])
def test_retryable_status_then_success(arxiv_api, status):
    arxiv_api.route("/api/query", Reply(status, b"busy"), Reply.atom(feed(entries(2))))
    run = ingest()
    assert run.status == IngestRunStatus.OK
    assert len(arxiv_api.requests_to("/api/query")) == 2
    assert Paper.objects.count() == 2


@pytest.mark.django_db
def test_retries_back_off_exponentially(arxiv_api, settings):
    settings.ARXIV_RETRY_BACKOFF_SECONDS = 0.1
    arxiv_api.route("/api/query", Reply(503), Reply(503), Reply.atom(feed(entries(1))))
    ingest()
    first, second, third = arxiv_api.request_times("/api/query")
    assert second - first >= 0.1
    assert third - second >= 0.2


def fetch_recording_pauses(arxiv_api) -> list[float]:
    """Run one search through a client whose pauses are recorded instead of slept; return them."""
    pauses: list[float] = []
    client = arxiv_client_build(api_url=arxiv_api.url("/api/query"), sleep=pauses.append)
    assert len(list(client.results(arxiv.Search(query="all:diffusion", max_results=10)))) == 1
    return pauses


@pytest.mark.django_db
def test_retry_after_in_seconds_is_honoured(arxiv_api):
    arxiv_api.route("/api/query", Reply(429, b"slow down", {"Retry-After": "7"}), Reply.atom(feed(entries(1))))
    assert fetch_recording_pauses(arxiv_api) == [7.0]


@pytest.mark.django_db
def test_retry_after_as_an_http_date_is_honoured(arxiv_api):
    sent = time.time()
    until = email.utils.formatdate(sent + 60, usegmt=True)  # whole seconds: up to 1 s earlier than asked
    arxiv_api.route("/api/query", Reply(503, b"busy", {"Retry-After": until}), Reply.atom(feed(entries(1))))
    pauses = fetch_recording_pauses(arxiv_api)
    done = time.time()
    [pause] = pauses
    # The client reads the date somewhere between ``sent`` and ``done``.
    assert 59 - (done - sent) <= pause <= 60


@pytest.mark.django_db
def test_retry_after_as_a_distant_http_date_is_capped(arxiv_api):
    until = email.utils.formatdate(time.time() + 3600, usegmt=True)
    arxiv_api.route("/api/query", Reply(503, b"busy", {"Retry-After": until}), Reply.atom(feed(entries(1))))
    assert fetch_recording_pauses(arxiv_api) == [MAX_RETRY_AFTER_SECONDS]


@pytest.mark.django_db
def test_empty_middle_page_is_retried(arxiv_api, settings):
    settings.ARXIV_PAGE_SIZE = 2
    all_entries = entries(4)
    replies = [
        Reply.atom(feed(all_entries[:2], total=4)),
        Reply.atom(feed([], total=4, start=2)),
        Reply.atom(feed(all_entries[2:], total=4, start=2)),
    ]
    arxiv_api.route("/api/query", *replies)
    run = ingest()
    assert run.status == IngestRunStatus.OK
    assert len(arxiv_api.requests_to("/api/query")) == 3
    assert Paper.objects.count() == 4


@pytest.mark.django_db
def test_empty_first_page_with_results_announced_is_retried(arxiv_api):
    arxiv_api.route("/api/query", Reply.atom(feed([], total=3)), Reply.atom(feed(entries(3))))
    run = ingest()
    assert run.new_count == 3
    assert len(arxiv_api.requests_to("/api/query")) == 2


@pytest.mark.django_db
def test_persistent_503_fails_the_run_with_a_clear_error(arxiv_api, settings):
    settings.ARXIV_NUM_RETRIES = 2
    arxiv_api.route("/api/query", Reply(503, b"down"))
    run = ingest()
    assert run.status == IngestRunStatus.FAILED
    assert "HTTP 503" in run.error and "gave up after 3 tries" in run.error
    assert len(arxiv_api.requests_to("/api/query")) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>http://arxiv.org/abs/2405.00001v1", "not valid XML"),
        (b"<html><body>Rate limit exceeded</body></html>", "not an Atom feed"),
    ],
)
def test_malformed_body_fails_the_run_and_writes_no_papers(arxiv_api, settings, body, expected):
    settings.ARXIV_PAGE_SIZE = 2
    good_first_page = Reply.atom(feed(entries(2), total=4))
    arxiv_api.route("/api/query", good_first_page, Reply(200, body, {"Content-Type": "text/xml"}))
    run = ingest()
    assert run.status == IngestRunStatus.FAILED
    assert expected in run.error
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_http_400_is_not_retried_and_shows_the_answer(arxiv_api):
    arxiv_api.route("/api/query", Reply(400, b"Invalid query syntax"))
    run = ingest()
    assert run.status == IngestRunStatus.FAILED
    assert "HTTP 400" in run.error and "Invalid query syntax" in run.error
    assert len(arxiv_api.requests_to("/api/query")) == 1


@pytest.mark.django_db
def test_connection_refused_fails_the_run_with_a_clear_error(settings):
    settings.ARXIV_API_URL = closed_port_url("/api/query")
    settings.ARXIV_NUM_RETRIES = 1
    run = ingest()
    assert run.status == IngestRunStatus.FAILED
    assert "Cannot connect to the arXiv API" in run.error and "connection refused" in run.error
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_slow_api_times_out_with_a_clear_error(arxiv_api, settings):
    settings.ARXIV_TIMEOUT_SECONDS = 0.2
    settings.ARXIV_NUM_RETRIES = 0
    arxiv_api.route("/api/query", Reply.atom(feed(entries(1)), delay=2))
    run = ingest()
    assert run.status == IngestRunStatus.FAILED
    assert "did not answer within 0.2 s" in run.error


@pytest.mark.django_db(transaction=True)
def test_requests_are_paced_by_the_shared_delay(arxiv_api, settings, monkeypatch):
    settings.ARXIV_API_DELAY_SECONDS = 0.3
    settings.ARXIV_PAGE_SIZE = 2
    arxiv_api.route("/api/query", paged_handler(entries(6)))
    starts = record_reserved_starts(monkeypatch)
    ingest()
    assert len(arxiv_api.request_times("/api/query")) == 3
    assert len(starts) == 3
    assert all(b - a >= 0.3 - 1e-5 for a, b in zip(starts, starts[1:])), starts


@pytest.mark.django_db(transaction=True)
def test_pacing_holds_across_threads_sharing_the_limiter(arxiv_api, settings, monkeypatch):
    settings.ARXIV_API_DELAY_SECONDS = 0.5
    settings.ARXIV_PAGE_SIZE = 2
    arxiv_api.route("/api/query", paged_handler(entries(4)))
    topics = [TopicFactory(), TopicFactory()]
    starts = record_reserved_starts(monkeypatch)
    run_concurrently(*(lambda topic=topic: ingest(topic) for topic in topics))
    assert len(arxiv_api.request_times("/api/query")) == 4
    starts.sort()
    assert len(starts) == 4
    # The threads share one row, so their reserved slots never come closer than the delay.
    assert all(b - a >= 0.5 - 1e-5 for a, b in zip(starts, starts[1:])), starts


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pacing_holds_across_processes_sharing_the_limiter(arxiv_api, subprocess_db_env):
    import os
    import subprocess
    import sys

    from django.conf import settings

    arxiv_api.route("/api/query", paged_handler(entries(4)))
    topics = [TopicFactory(), TopicFactory()]
    env = {
        **os.environ,
        **subprocess_db_env,
        "ARXIV_API_URL": arxiv_api.url("/api/query"),
        "ARXIV_API_DELAY_SECONDS": "0.5",
        "ARXIV_PAGE_SIZE": "2",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "ingest", topic.slug, "--date", DAY.isoformat()],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for topic in topics
    ]
    outputs = [proc.communicate(timeout=60)[0].decode() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    times = sorted(arxiv_api.request_times("/api/query"))
    assert len(times) == 4
    # Slots are reserved 0.5 s apart; a busy machine may delay one process
    # between waking up and sending, so allow 0.1 s of scheduling jitter.
    assert all(b - a >= 0.4 for a, b in zip(times, times[1:])), times
