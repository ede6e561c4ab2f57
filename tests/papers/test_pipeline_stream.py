"""The pipeline streams a batch: the next PDF downloads while earlier summaries are in flight."""

import threading

import pytest
from django.db import OperationalError, connection

from papers.models import Paper, PaperStatus
from papers.queue import REPROCESS, papers_enqueue
from papers.services import pipeline
from papers.services.download import PdfPrefetch, pdf_fetch
from papers.services.pipeline import paper_lease_acquire, papers_process
from papers.signals import papers_processed
from papers.tasks import process_papers_task, reprocess_papers_task
from tests.atom import make_pdf
from tests.factories import PaperFactory
from tests.fake_llm import Reply as LLMReply
from tests.fake_llm import answer
from tests.papers.test_pipeline import paper_served, paper_with_v2_arriving_mid_download
from tests.queue import queued_tasks
from tests.servers import Reply

# The request threads reserve the LLM budget on their own connections.
pytestmark = pytest.mark.django_db(transaction=True)

# How long a handler waits for something that must already be under way; only reached when it is not.
EVENT_WAIT = 10


@pytest.fixture
def sends():
    """Every ``papers_processed`` send, as the list of paper ids it carried."""
    seen: list[list[int]] = []

    def receiver(sender, *, paper_ids, **kwargs):
        seen.append(sorted(paper_ids))

    papers_processed.connect(receiver, weak=False, dispatch_uid="test-sends")
    yield seen
    papers_processed.disconnect(dispatch_uid="test-sends")


def test_next_pdf_is_downloaded_while_the_first_summary_is_in_flight(server, fake_llm):
    first_asked, release = threading.Event(), threading.Event()
    seen = {}

    def respond(body):
        if "First Paper" in str(body):
            first_asked.set()
            return LLMReply(answer("en"), wait_for=release)  # held until the second PDF is requested
        return LLMReply(answer("en"))

    def second_pdf(request):
        # A pipeline that summarizes only after every download never gets here with the request out.
        seen["first summary in flight"] = first_asked.wait(EVENT_WAIT) and not release.is_set()
        seen["in flight"] = fake_llm.in_flight
        release.set()
        return Reply.pdf(make_pdf())

    fake_llm.responder = respond
    first = paper_served(server, "2405.00001", Reply.pdf(make_pdf()), title="First Paper")
    second = paper_served(server, "2405.00002", second_pdf, title="Second Paper")

    outcome = papers_process(paper_ids=[first.pk, second.pk])

    assert seen == {"first summary in flight": True, "in flight": 1}
    assert sorted(outcome.done) == [first.pk, second.pk]
    assert set(Paper.objects.values_list("status", flat=True)) == {PaperStatus.SUMMARIZED}


def test_a_paper_is_leased_afresh_when_its_summary_is_submitted(server, fake_llm, settings):
    settings.Q_TIMEOUT = 600
    leases = {}

    def pdf(request):
        # Longer leases from now on: only a renewal after the download can carry one.
        settings.Q_TIMEOUT = 50_000
        return Reply.pdf(make_pdf())

    def respond(body):
        try:
            leases["at request"] = Paper.objects.get(pk=paper.pk).processing_until
        finally:
            connection.close()
        return LLMReply(answer("en"))

    fake_llm.responder = respond
    paper = paper_served(server, "2405.00001", pdf)
    started = paper.updated_at

    papers_process(paper_ids=[paper.pk])

    assert (leases["at request"] - started).total_seconds() > 49_000
    assert Paper.objects.get(pk=paper.pk).processing_until is None  # released at the end


def test_batch_sends_papers_processed_once_with_every_paper(server, sends):
    papers = [paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in range(1, 4)]
    bad = paper_served(server, "2405.00009", Reply(404))

    papers_process(paper_ids=[p.pk for p in papers] + [bad.pk])

    assert sends == [sorted([p.pk for p in papers] + [bad.pk])]


def test_new_version_mid_run_is_processed_again_and_still_sends_once(server, sends):
    paper = paper_with_v2_arriving_mid_download(server)
    other = paper_served(server, "2405.00002", Reply.pdf(make_pdf()))
    outcome = papers_process(paper_ids=[paper.pk, other.pk])

    paper.refresh_from_db()
    assert sorted(outcome.done) == [paper.pk, other.pk] and outcome.changed == [paper.pk]
    assert (paper.status, paper.content.pdf_version, paper.content.page_count) == ("summarized", 2, 2)
    assert paper.summaries.get().source_version == 2
    assert sends == [sorted([paper.pk, other.pk])]


def test_papers_not_started_within_the_time_limit_are_queued_again(server, sends):
    now = [0.0]

    def first_pdf(request):
        now[0] = 51.0  # the first download ends past the limit
        return Reply.pdf(make_pdf())

    first = paper_served(server, "2405.00001", first_pdf)
    rest = [paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (2, 3)]

    outcome = papers_process(
        paper_ids=[first.pk] + [p.pk for p in rest], force=True, time_limit=50, clock=lambda: now[0]
    )

    assert outcome.done == [first.pk] and outcome.handed_on == [p.pk for p in rest]
    assert [r.path for r in server.requests] == ["/pdf/2405.00001v1"]
    assert list(Paper.objects.filter(processing_until__isnull=False)) == []
    assert [(t["func"], t["args"]) for t in queued_tasks()] == [(REPROCESS.func, ([p.pk for p in rest],))]
    assert sends == [[first.pk]]  # their digests are rebuilt by the task that processes them


def test_a_paper_handed_on_keeps_the_lease_its_new_task_took(server, monkeypatch):
    now = [0.0]

    def first_pdf(request):
        now[0] = 51.0
        return Reply.pdf(make_pdf())

    def enqueue_then_taken(*, paper_ids, **options):
        papers_enqueue(paper_ids=paper_ids, **options)
        for paper_id in paper_ids:  # what the worker that picks the new task does first
            assert paper_lease_acquire(paper_id=paper_id)

    monkeypatch.setattr("papers.services.pipeline.papers_enqueue", enqueue_then_taken)
    first = paper_served(server, "2405.00001", first_pdf)
    second = paper_served(server, "2405.00002", Reply.pdf(make_pdf()))

    outcome = papers_process(paper_ids=[first.pk, second.pk], time_limit=50, clock=lambda: now[0])

    assert outcome.handed_on == [second.pk]
    assert Paper.objects.get(pk=second.pk).processing_until is not None
    assert Paper.objects.get(pk=first.pk).processing_until is None


def test_a_task_out_of_time_still_processes_its_first_paper_and_hands_on_the_rest(server, settings):
    settings.Q_TIMEOUT = 0  # no time at all
    first, second = (paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2))

    result = process_papers_task([first.pk, second.pk])

    assert (result["done"], result["handed_on"]) == ([first.pk], [second.pk])
    assert [t["args"] for t in queued_tasks()] == [([second.pk],)]


def test_the_next_pdf_is_fetched_while_a_paper_parses(server, monkeypatch):
    second_requested = threading.Event()
    seen = {}
    parse = pipeline.paper_parse

    def parse_first_after_second_is_requested(*, paper):
        if paper.arxiv_id == "2405.00001":
            # A worker that fetched only between parses would leave the PDF pace idle here.
            seen["second requested during the first parse"] = second_requested.wait(EVENT_WAIT)
        return parse(paper=paper)

    def second_pdf(request):
        second_requested.set()
        return Reply.pdf(make_pdf())

    monkeypatch.setattr(pipeline, "paper_parse", parse_first_after_second_is_requested)
    first = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    second = paper_served(server, "2405.00002", second_pdf)

    outcome = papers_process(paper_ids=[first.pk, second.pk])

    assert seen == {"second requested during the first parse": True}
    assert sorted(outcome.done) == [first.pk, second.pk]
    assert [r.path for r in server.requests] == ["/pdf/2405.00001v1", "/pdf/2405.00002v1"]


def test_papers_finished_are_told_in_groups_while_the_batch_runs(server, fake_llm, settings, sends):
    settings.PIPELINE_PROGRESS_SECONDS = 60
    now = [0.0]
    first_told = threading.Event()
    seen = {}

    def respond(body):
        if "First Paper" in str(body):
            now[0] = 61.0  # the first answer arrives a minute into the task
        else:
            # Held until the first paper's group was told: a task that tells only at its end never lets go.
            seen["first told while the second was in flight"] = first_told.wait(EVENT_WAIT)
        return LLMReply(answer("en"))

    def receiver(sender, *, paper_ids, **kwargs):
        first_told.set()

    fake_llm.responder = respond
    papers_processed.connect(receiver, weak=False, dispatch_uid="test-first-told")
    try:
        first = paper_served(server, "2405.00001", Reply.pdf(make_pdf()), title="First Paper")
        second = paper_served(server, "2405.00002", Reply.pdf(make_pdf()), title="Second Paper")
        papers_process(paper_ids=[first.pk, second.pk], clock=lambda: now[0])
    finally:
        papers_processed.disconnect(dispatch_uid="test-first-told")

    assert seen == {"first told while the second was in flight": True}
    assert sends == [[first.pk], [second.pk]]  # each paper told once, the second at the end


def test_a_pacing_failure_in_the_prefetch_is_raised_to_the_task_not_blamed_on_the_paper():
    paper = PaperFactory()

    def fetch(paper):
        raise OperationalError("database is gone")

    with PdfPrefetch([paper], fetch=fetch) as pdfs, pytest.raises(OperationalError, match="database is gone"):
        pdfs.take(paper)


def test_a_prefetch_left_early_closes_the_files_it_fetched(server):
    papers = [paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2, 3)]
    fetched = []
    second_fetched = threading.Event()

    def fetch(paper):
        fetched.append(pdf_fetch(paper))
        if len(fetched) == 2:
            second_fetched.set()
        return fetched[-1]

    with PdfPrefetch(papers, fetch=fetch) as pdfs:
        pdfs.take(papers[0]).close()
        assert second_fetched.wait(EVENT_WAIT)  # fetched ahead, never taken

    assert len(fetched) >= 2 and all(f.tmp.closed for f in fetched)


def test_a_prefetch_out_of_time_leaves_the_next_paper_to_its_caller(server):
    first, second = (paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2))

    with PdfPrefetch([first, second], go_on=lambda: False) as pdfs:
        with pdfs.take(first) as fetched:
            assert fetched.size > 0
        assert pdfs.take(second) is None

    assert [r.path for r in server.requests] == ["/pdf/2405.00001v1"]


def test_a_run_with_time_left_takes_on_papers_waiting_for_a_worker(server):
    own, waiting, held, finished = (paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2, 3, 4))
    assert paper_lease_acquire(paper_id=held.pk)  # another worker's
    Paper.objects.filter(pk=finished.pk).update(status=PaperStatus.SUMMARIZED)

    outcome = papers_process(paper_ids=[own.pk], take_more=True)

    assert outcome.done == [own.pk, waiting.pk]
    assert [r.path for r in server.requests] == ["/pdf/2405.00001v1", "/pdf/2405.00002v1"]
    assert Paper.objects.get(pk=waiting.pk).status == PaperStatus.SUMMARIZED
    assert Paper.objects.get(pk=held.pk).processing_until is not None  # still the other worker's


def test_a_run_out_of_time_takes_on_no_waiting_paper(server):
    own, waiting = (paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2))

    now = iter(range(1000))  # every look at the clock is a second later: the 0.5 s limit passes at once

    outcome = papers_process(paper_ids=[own.pk], take_more=True, time_limit=0.5, clock=lambda: next(now))

    assert outcome.done == [own.pk]
    assert Paper.objects.get(pk=waiting.pk).status == PaperStatus.FETCHED


def test_only_the_plain_process_task_takes_on_waiting_papers(server):
    own, waiting = (paper_served(server, f"2405.0000{i}", Reply.pdf(make_pdf())) for i in (1, 2))

    reprocessed = reprocess_papers_task([own.pk])
    processed = process_papers_task([own.pk])

    assert (reprocessed["done"], processed["done"]) == ([own.pk], [own.pk, waiting.pk])
