"""A digest says how many of the day's papers could not be processed, and never goes out empty."""

import pytest
from django.core.management import call_command

from digests.models import DigestStatus
from digests.services.build import digest_build
from tests.digests.test_build import DAY, day_paper
from tests.factories import PaperFactory, TopicFactory, TopicPaperFactory

pytestmark = pytest.mark.django_db


def test_public_page_counts_failed_papers_with_reasons(client):
    topic = TopicFactory(auto_publish=True, language="en")
    day_paper(topic, 12)
    day_paper(topic, 8, status="failed")
    failed = PaperFactory(status="failed", failed_step="summarize", last_error="backend timed out")
    TopicPaperFactory(topic=topic, paper=failed, digest_date=DAY)
    digest = digest_build(topic=topic, date=DAY)
    assert digest.status == DigestStatus.PUBLISHED
    html = client.get(digest.get_absolute_url()).content.decode()
    assert "2 papers could not be processed:" in html
    assert "the PDF could not be downloaded (1)" in html
    assert "the summary could not be written (1)" in html


def test_public_page_counts_failed_papers_in_chinese(client):
    topic = TopicFactory(auto_publish=True, language="zh-hans")
    day_paper(topic, 12)
    day_paper(topic, 8, status="failed")
    digest = digest_build(topic=topic, date=DAY)
    html = client.get(digest.get_absolute_url()).content.decode()
    assert "1 篇论文未能处理：无法下载 PDF (1)" in html


def test_demo_on_an_all_failed_day_leaves_the_digest_a_draft(monkeypatch, tmp_path, capsys):
    from digests.management.commands import demo

    source = tmp_path / "day.xml"
    source.write_text("")

    def ingest_all_failed(*args, **kwargs):
        topic = demo.Topic.objects.get(slug="diffusion-models")
        day_paper(topic, 8, status="failed")

    monkeypatch.setattr(demo, "call_command", ingest_all_failed)
    monkeypatch.setattr(demo, "SAMPLE_DATE", DAY)
    call_command("demo", source=str(source))
    assert "stays a draft" in capsys.readouterr().out
    from digests.models import Digest

    assert Digest.objects.get(date=DAY).status == DigestStatus.DRAFT


def test_a_paper_failing_after_publication_shows_on_a_page_readers_hold(client, django_capture_on_commit_callbacks):
    from papers.services.pipeline import papers_process
    from tests.servers import FakeServer, Reply

    topic = TopicFactory(auto_publish=True, language="en")
    day_paper(topic, 12)
    digest = digest_build(topic=topic, date=DAY)
    first = client.get(digest.get_absolute_url())
    assert "could not be processed" not in first.content.decode()
    with FakeServer() as server:
        server.route("/pdf/late", Reply(404))
        late = PaperFactory(pdf_url=server.url("/pdf/late"))
        TopicPaperFactory(topic=topic, paper=late, digest_date=DAY)
        with django_capture_on_commit_callbacks(execute=True):
            papers_process(paper_ids=[late.pk])
    again = client.get(digest.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "1 paper could not be processed:" in again.content.decode()


def test_markdown_export_says_how_many_papers_could_not_be_processed():
    from digests.hexo.parser import parse_post
    from digests.services.hexo_export import digest_export_markdown

    topic = TopicFactory(auto_publish=True, language="zh-hans")
    day_paper(topic, 12)
    day_paper(topic, 8, status="failed")
    text = digest_export_markdown(digest=digest_build(topic=topic, date=DAY))
    assert "> 1 篇论文未能处理：无法下载 PDF (1)" in text
    assert len(parse_post(text).papers) == 1  # the note is no paper block to the importer
