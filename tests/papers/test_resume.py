"""Papers whose task was lost (killed worker, restarted broker or database) are picked up again."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from papers.models import Paper, PaperStatus
from papers.services.pipeline import papers_process, papers_stalled
from papers.tasks import papers_resume_task
from tests.atom import make_pdf
from tests.factories import PaperFactory
from tests.pdfgen import stored_paper

LONG_AGO = datetime.timedelta(hours=2)


def _paper(*, status=PaperStatus.FETCHED, lease=None, idle=LONG_AGO, **fields):
    paper = PaperFactory(status=status, failed_step="download" if status == PaperStatus.FAILED else "", **fields)
    # update(): auto_now would otherwise stamp updated_at with "now".
    Paper.objects.filter(pk=paper.pk).update(processing_until=lease, updated_at=timezone.now() - idle)
    return paper


@pytest.fixture
def empty_queue(db):
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


@pytest.mark.django_db
def test_stalled_papers_are_unfinished_with_an_expired_lease_and_idle():
    lost = _paper(lease=timezone.now() - datetime.timedelta(minutes=1))
    never_started = _paper()
    assert papers_stalled(idle_seconds=600) == sorted([lost.pk, never_started.pk])


@pytest.mark.django_db
def test_stalled_papers_exclude_leased_recent_and_finished_ones():
    _paper(lease=timezone.now() + datetime.timedelta(minutes=5))
    _paper(idle=datetime.timedelta(seconds=5))
    _paper(status=PaperStatus.SUMMARIZED)
    _paper(status=PaperStatus.FAILED)
    assert papers_stalled(idle_seconds=600) == []


def test_resume_task_queues_stalled_papers_when_the_queue_is_empty(empty_queue, django_capture_on_commit_callbacks):
    _paper()
    # A worker runs tasks outside a transaction, so work is queued at once; the test's transaction defers it.
    with django_capture_on_commit_callbacks(execute=True):
        assert papers_resume_task() == {"queued": 1}
    assert empty_queue.queue_size() == 1


def test_resume_task_waits_while_tasks_are_queued(empty_queue):
    _paper()
    async_task("papers.tasks.process_papers_task", [])
    assert papers_resume_task() == {"queued": 0, "waiting_tasks": 1}
    assert empty_queue.queue_size() == 1


@pytest.mark.django_db
def test_lost_database_connection_during_parse_does_not_fail_the_paper(monkeypatch):
    paper = stored_paper(make_pdf("Connection lost"))

    def parse_loses_connection(*, paper):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("papers.services.pipeline.paper_parse", parse_loses_connection)
    with pytest.raises(OperationalError):
        papers_process(paper_ids=[paper.pk])

    paper.refresh_from_db()
    assert (paper.status, paper.last_error, paper.processing_until) == (PaperStatus.FETCHED, "", None)


@pytest.mark.django_db
def test_lost_database_connection_while_storing_a_summary_does_not_fail_the_paper(monkeypatch):
    paper = stored_paper(make_pdf("Connection lost"))

    def record_loses_connection(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("papers.services.summarize.summary_record_generated", record_loses_connection)
    with pytest.raises(OperationalError):
        papers_process(paper_ids=[paper.pk])

    paper.refresh_from_db()
    assert paper.status == PaperStatus.PARSED and paper.last_error == ""


@pytest.mark.django_db
def test_database_wait_returns_at_once_when_the_database_answers_even_inside_a_transaction():
    from papers.tasks import database_wait

    database_wait(within=0)  # a live database answers at once
