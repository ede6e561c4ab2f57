"""PDF download against a real server: bad answers fail the paper clearly and lose nothing."""

import hashlib

import pytest

from papers.models import PaperContent, PaperStatus
from papers.services.download import paper_download
from papers.services.errors import DownloadError
from papers.services.pipeline import paper_process
from tests.atom import make_pdf
from tests.factories import PaperFactory
from tests.servers import Reply

PDF_PATH = "/pdf/2405.00001v1"


@pytest.fixture
def paper(server):
    return PaperFactory(arxiv_id="2405.00001", pdf_url=server.url(PDF_PATH))


@pytest.mark.django_db
def test_download_stores_the_pdf_with_hash_size_and_version(server, paper):
    data = make_pdf()
    server.route(PDF_PATH, Reply.pdf(data))
    content = paper_download(paper=paper)
    assert content.pdf.name == "papers/2405.00001/2405.00001v1.pdf"
    with content.pdf.open("rb") as fh:
        assert fh.read() == data
    assert content.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert (content.pdf_bytes, content.pdf_version) == (len(data), 1)


@pytest.mark.django_db
def test_current_pdf_is_not_downloaded_again(server, paper):
    server.route(PDF_PATH, Reply.pdf(make_pdf()))
    paper_download(paper=paper)
    paper_download(paper=paper)
    assert len(server.requests_to(PDF_PATH)) == 1


@pytest.mark.django_db
def test_new_version_replaces_the_old_pdf(server, paper, django_capture_on_commit_callbacks):
    server.route(PDF_PATH, Reply.pdf(make_pdf("v1")))
    server.route("/pdf/2405.00001v2", Reply.pdf(make_pdf("v2")))
    old = paper_download(paper=paper)
    old_name = old.pdf.name
    paper.version, paper.pdf_url = 2, server.url("/pdf/2405.00001v2")
    paper.save()
    with django_capture_on_commit_callbacks(execute=True):
        content = paper_download(paper=paper)
    assert content.pdf_version == 2 and content.pdf.name.endswith("2405.00001v2.pdf")
    assert content.pdf.storage.exists(content.pdf.name)
    assert not content.pdf.storage.exists(old_name)
    assert PaperContent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply, message",
    [
        (Reply.html("<!DOCTYPE html><html><body>Too many requests</body></html>"), "returned a web page"),
        (Reply(200, b"", {"Content-Type": "application/pdf"}), "returned an empty file"),
        (Reply(200, b"PK\x03\x04zipdata", {"Content-Type": "application/pdf"}), "not a PDF"),
        (Reply(404, b"not found"), "HTTP 404"),
        (Reply(503, b"busy"), "HTTP 503"),
    ],
    ids=["html", "zero-bytes", "not-pdf", "404", "503"],
)
def test_bad_answers_fail_the_paper_at_download_with_a_readable_error(server, paper, reply, message):
    server.route(PDF_PATH, reply)
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert (paper.status, paper.failed_step) == (PaperStatus.FAILED, "download")
    assert message in paper.last_error and paper.pdf_url in paper.last_error
    assert paper.title.startswith("A Study of Diffusion") and paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert not PaperContent.objects.exists()
    assert paper.processing_until is None


@pytest.mark.django_db
def test_body_over_the_byte_cap_is_aborted(server, paper, settings):
    settings.PDF_MAX_BYTES = 10_000
    body = make_pdf() + b"\0" * 20_000
    server.route(PDF_PATH, Reply.pdf(body))
    with pytest.raises(DownloadError, match="larger than the 10,000 bytes limit"):
        paper_download(paper=paper)


@pytest.mark.django_db
def test_streamed_body_over_the_byte_cap_is_aborted(server, paper, settings):
    settings.PDF_MAX_BYTES = 10_000
    body = make_pdf() + b"\0" * 200_000

    # No Content-Length to check up front: the cap must hold while streaming.
    server.route(PDF_PATH, Reply(200, body, {"Content-Length": None}, chunk_size=4096))
    with pytest.raises(DownloadError, match="download was stopped there"):
        paper_download(paper=paper)


@pytest.mark.django_db
def test_slow_server_times_out(server, paper, settings):
    settings.PDF_TIMEOUT_SECONDS = 0.2
    server.route(PDF_PATH, Reply.pdf(make_pdf(), delay=2))
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert paper.failed_step == "download"
    assert "did not answer within 0.2 s" in paper.last_error


@pytest.mark.django_db
def test_retry_after_the_server_is_fixed_succeeds(server, paper):
    server.route(PDF_PATH, Reply(503))
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert paper.status == PaperStatus.FAILED

    server.route(PDF_PATH, Reply.pdf(make_pdf()))
    paper_process(paper_id=paper.pk)
    paper.refresh_from_db()
    assert (paper.status, paper.failed_step, paper.last_error) == (PaperStatus.SUMMARIZED, "", "")
    assert paper.content.page_count == 1


@pytest.mark.django_db
def test_process_papers_failed_retries_failed_papers_once_the_server_is_fixed(server, capsys):
    from django.core.management import call_command

    server.route(PDF_PATH, Reply(503))
    paper = PaperFactory(arxiv_id="2405.00001", pdf_url=server.url(PDF_PATH))
    untouched = PaperFactory(status=PaperStatus.FETCHED, pdf_url=server.url("/pdf/other"))
    call_command("process_papers", "--failed")
    assert "Nothing to process" in capsys.readouterr().out

    call_command("process_papers")  # everything not summarized: both fail
    server.route(PDF_PATH, Reply.pdf(make_pdf()))
    call_command("process_papers", "--failed")
    paper.refresh_from_db()
    untouched.refresh_from_db()
    assert paper.status == PaperStatus.SUMMARIZED
    assert untouched.status == PaperStatus.FAILED and "HTTP 404" in untouched.last_error
    assert "1 summarized, 1 failed" in capsys.readouterr().out
