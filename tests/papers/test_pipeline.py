"""The pipeline: statuses, per-paper failures, resumption, leases and digest refresh."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from digests.models import Digest
from papers.models import Paper, PaperStatus
from papers.services.download import paper_download
from papers.services.pipeline import paper_lease_acquire, paper_process, papers_process
from tests.atom import make_pdf
from tests.factories import PaperFactory, TopicPaperFactory
from tests.fake_llm import Reply as LLMReply
from tests.fake_llm import answer
from tests.servers import Reply
from tests.threads import run_concurrently

BROKEN_PDF = b"%PDF-1.7\n" + b"\0" * 200


def paper_served(server, arxiv_id, reply, **fields):
    path = f"/pdf/{arxiv_id}v1"
    server.route(path, reply)
    return PaperFactory(arxiv_id=arxiv_id, pdf_url=server.url(path), **fields)


@pytest.mark.django_db
def test_good_paper_goes_through_every_step(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf(pages=2)))
    outcome = paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert outcome.done == [paper.pk]
    assert paper.status == PaperStatus.SUMMARIZED and paper.last_task_at is not None
    assert paper.content.page_count == 2 and paper.content.parsed_version == 1
    assert (
        paper.summaries.get().one_line
        == "We study diffusion models for image generation and report strong results on ImageNet."
    )


@pytest.mark.django_db
def test_one_bad_paper_does_not_stop_the_batch(server):
    good = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    bad = paper_served(server, "2405.00002", Reply(404))
    also_good = paper_served(server, "2405.00003", Reply.pdf(make_pdf()))
    outcome = papers_process(paper_ids=[good.pk, bad.pk, also_good.pk])
    statuses = dict(Paper.objects.values_list("pk", "status"))
    assert statuses == {good.pk: "summarized", bad.pk: "failed", also_good.pk: "summarized"}
    assert list(outcome.failed) == [bad.pk]


@pytest.mark.django_db
def test_failed_parse_keeps_the_downloaded_pdf_and_retry_resumes_at_parse(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(BROKEN_PDF))
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert (paper.status, paper.failed_step) == (PaperStatus.FAILED, "parse")
    assert paper.last_error  # worded by the PDF stage
    assert paper.content.pdf_bytes == len(BROKEN_PDF)

    # An editor replaces the file; the retry must not download again.
    paper.content.pdf.save("fixed.pdf", ContentFile(make_pdf()))
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert paper.status == PaperStatus.SUMMARIZED
    assert len(server.requests_to("/pdf/2405.00001v1")) == 1


@pytest.mark.django_db
def test_unexpected_exception_is_recorded_with_its_type(server, monkeypatch):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))

    def explode(*, paper):
        raise KeyError("sections")

    monkeypatch.setattr("papers.services.pipeline.paper_parse", explode)
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert (paper.status, paper.failed_step) == (PaperStatus.FAILED, "parse")
    assert paper.last_error == "Unexpected KeyError: 'sections'"
    assert paper.processing_until is None


@pytest.mark.django_db(transaction=True)
def test_summarize_failure_is_recorded_per_paper(server, fake_llm):
    # The bad paper comes first: its failure arrives while the next paper is still prepared.
    bad = paper_served(server, "2405.00001", Reply.pdf(make_pdf()), title="Refused Paper")
    ok = paper_served(server, "2405.00002", Reply.pdf(make_pdf()))
    fake_llm.responder = lambda body: LLMReply("") if "Refused Paper" in str(body) else LLMReply(answer("en"))

    outcome = papers_process(paper_ids=[bad.pk, ok.pk])

    bad.refresh_from_db()
    assert outcome.done == [ok.pk] and list(outcome.failed) == [bad.pk]
    assert Paper.objects.get(pk=ok.pk).status == PaperStatus.SUMMARIZED
    assert (bad.status, bad.failed_step) == ("failed", "summarize")
    assert "3 unusable answers" in bad.last_error
    assert bad.content.parsed_version == 1  # parse kept for the retry


@pytest.mark.django_db
def test_new_version_is_downloaded_and_parsed_again(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf(pages=1)))
    paper_process(paper_id=paper.pk)
    server.route("/pdf/2405.00001v2", Reply.pdf(make_pdf(pages=3)))
    Paper.objects.filter(pk=paper.pk).update(version=2, pdf_url=server.url("/pdf/2405.00001v2"), status="fetched")
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert (paper.content.pdf_version, paper.content.parsed_version, paper.content.page_count) == (2, 2, 3)


@pytest.mark.django_db
def test_live_lease_makes_another_worker_skip_the_paper(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    assert paper_lease_acquire(paper_id=paper.pk)
    outcome = paper_process(paper_id=paper.pk)
    assert outcome.busy == [paper.pk]
    assert server.requests_to("/pdf/2405.00001v1") == []


@pytest.mark.django_db
def test_expired_lease_is_taken_over(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    Paper.objects.filter(pk=paper.pk).update(processing_until=timezone.now() - datetime.timedelta(seconds=1))
    assert paper_process(paper_id=paper.pk).done == [paper.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_process_the_paper_once(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf(), delay=0.5))
    outcomes = run_concurrently(*[lambda: paper_process(paper_id=paper.pk)] * 2)

    assert len(server.requests_to("/pdf/2405.00001v1")) == 1
    assert sorted(len(o.done) for o in outcomes) == [0, 1]
    assert sorted(len(o.busy) for o in outcomes) == [0, 1]


@pytest.mark.django_db
def test_processing_refreshes_the_papers_digest(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    link = TopicPaperFactory(paper=paper, topic__auto_publish=True)
    paper_process(paper_id=paper.pk)
    digest = Digest.objects.get(topic=link.topic, date=link.digest_date)
    assert list(digest.entries.values_list("paper_id", flat=True)) == [paper.pk]
    assert digest.status == "published"


@pytest.mark.django_db
def test_current_content_is_not_downloaded_again(server):
    paper = paper_served(server, "2405.00001", Reply.pdf(make_pdf()))
    paper_download(paper=paper)
    paper_process(paper_id=paper.pk, force=True)
    assert len(server.requests_to("/pdf/2405.00001v1")) == 1


def paper_with_v2_arriving_mid_download(server) -> Paper:
    """A v1 paper whose PDF download sees v2 ingested meanwhile (what an ingest in another process does)."""
    paper = PaperFactory(arxiv_id="2405.00001", pdf_url=server.url("/pdf/2405.00001v1"))
    server.route("/pdf/2405.00001v2", Reply.pdf(make_pdf(pages=2)))

    def v1_while_v2_is_ingested(request):
        try:
            Paper.objects.filter(pk=paper.pk).update(
                version=2, pdf_url=server.url("/pdf/2405.00001v2"), status=PaperStatus.FETCHED
            )
        finally:
            connection.close()
        return Reply.pdf(make_pdf(pages=1))

    server.route("/pdf/2405.00001v1", v1_while_v2_is_ingested)
    return paper


@pytest.mark.django_db(transaction=True)
def test_new_version_arriving_mid_run_is_processed_before_the_paper_counts_as_done(server):
    paper = paper_with_v2_arriving_mid_download(server)
    outcome = paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert outcome.done == [paper.pk]
    assert (paper.status, paper.content.pdf_version, paper.content.page_count) == ("summarized", 2, 2)
