"""Ingest: window, idempotent upserts, versions, notes, enqueueing and the command."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from papers.models import IngestRun, IngestRunStatus, Paper, PaperStatus, PaperVersion, TopicPaper
from papers.services.ingest import topic_ingest
from tests.atom import Entry, feed, make_pdf
from tests.factories import SummaryFactory, TopicFactory
from tests.queue import queued_tasks
from tests.servers import Reply

UTC = datetime.timezone.utc
DAY = datetime.date(2024, 5, 2)  # a Thursday
IN_WINDOW = datetime.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
DAY_AFTER_NOON = datetime.datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


def serve(server, *entries):
    server.route("/api/query", Reply.atom(feed(list(entries))))


def ingest(topic, day=DAY, **kwargs):
    kwargs.setdefault("enqueue", False)
    return topic_ingest(topic=topic, digest_date=day, **kwargs)


@pytest.mark.django_db
def test_stores_facts_from_the_entry(arxiv_api):
    serve(
        arxiv_api,
        Entry(
            arxiv_id="2404.19382",
            title="Probing  Unlearned\n Diffusion Models",
            authors=["Xiaoxuan Han", "Songlin Yang", "Jing Dong"],
            comment="9 pages, 9 figures",
            published=IN_WINDOW,
        ),
    )
    ingest(TopicFactory())
    paper = Paper.objects.get()
    assert paper.arxiv_id == "2404.19382" and paper.version == 1
    assert paper.title == "Probing Unlearned Diffusion Models"
    assert paper.authors == ["Xiaoxuan Han", "Songlin Yang", "Jing Dong"]
    assert paper.comment == "9 pages, 9 figures"
    assert paper.journal_ref == "" and paper.doi == ""
    assert paper.abs_url == "http://arxiv.org/abs/2404.19382v1"
    assert paper.pdf_url == "http://arxiv.org/pdf/2404.19382v1"
    assert paper.primary_category == "cs.CV" and paper.categories == ["cs.CV", "cs.LG"]
    assert paper.status == PaperStatus.FETCHED
    assert list(paper.versions.values_list("version", flat=True)) == [1]


@pytest.mark.django_db
def test_missing_pdf_link_is_derived_from_the_abs_link(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001", version=2, pdf_link=False))
    ingest(TopicFactory())
    assert Paper.objects.get().pdf_url == "http://arxiv.org/pdf/2405.00001v2"


@pytest.mark.django_db
def test_entries_outside_the_window_are_skipped_and_counted(arxiv_api):
    serve(
        arxiv_api,
        Entry(arxiv_id="2405.00001", published=IN_WINDOW),
        Entry(arxiv_id="2404.00002", published=datetime.datetime(2024, 4, 20, tzinfo=UTC)),
        Entry(arxiv_id="2405.00003", published=datetime.datetime(2024, 5, 2, 0, 0, tzinfo=UTC)),
    )
    run = ingest(TopicFactory(lookback_days=1))
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2405.00001"]
    assert (run.total_results, run.new_count, run.skipped_count) == (3, 1, 2)


@pytest.mark.django_db
def test_ingesting_twice_creates_nothing_new(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001"), Entry(arxiv_id="2405.00002"))
    topic = TopicFactory()
    ingest(topic)
    counts = (Paper.objects.count(), PaperVersion.objects.count(), TopicPaper.objects.count())
    second = ingest(topic)
    assert (Paper.objects.count(), PaperVersion.objects.count(), TopicPaper.objects.count()) == counts == (2, 2, 2)
    assert (second.new_count, second.unchanged_count, second.status) == (0, 2, IngestRunStatus.OK)


@pytest.mark.django_db
def test_paper_matched_by_two_topics_is_one_row_linked_twice(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001"))
    first, second = TopicFactory(), TopicFactory()
    ingest(first)
    run = ingest(second)
    assert Paper.objects.count() == 1
    assert set(TopicPaper.objects.values_list("topic_id", flat=True)) == {first.pk, second.pk}
    assert run.unchanged_count == 1
    assert run.pending_paper_ids == [Paper.objects.get().pk]  # the new topic needs its summary


@pytest.mark.django_db
def test_paper_keeps_the_digest_day_it_was_first_found(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001", published=IN_WINDOW))
    topic = TopicFactory(lookback_days=3)
    ingest(topic, day=DAY)
    ingest(topic, day=DAY + datetime.timedelta(days=1))
    assert list(TopicPaper.objects.values_list("digest_date", flat=True)) == [DAY]


@pytest.mark.django_db
def test_run_counts_papers_it_added_and_papers_another_day_already_has(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001", published=IN_WINDOW))
    topic = TopicFactory(lookback_days=3)
    first = ingest(topic, day=DAY)
    serve(
        arxiv_api,
        Entry(arxiv_id="2405.00001", published=IN_WINDOW),
        Entry(arxiv_id="2405.00002", published=DAY_AFTER_NOON),
    )
    second = ingest(topic, day=DAY + datetime.timedelta(days=1))
    assert (first.added_count, first.earlier_count) == (1, 0)
    assert (second.added_count, second.earlier_count) == (1, 1)


@pytest.mark.django_db
def test_rerun_of_a_day_adds_nothing_and_finds_nothing_of_another_day(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001", published=IN_WINDOW))
    topic = TopicFactory()
    ingest(topic)
    again = IngestRun.objects.get(pk=ingest(topic).pk)
    assert (again.added_count, again.earlier_count) == (0, 0)


@pytest.mark.django_db
def test_new_version_updates_the_row_and_marks_downstream_stale(arxiv_api):
    topic = TopicFactory()
    serve(arxiv_api, Entry(arxiv_id="2405.00001", title="Old title"))
    ingest(topic)
    paper = Paper.objects.get()
    Paper.objects.filter(pk=paper.pk).update(status=PaperStatus.FAILED, failed_step="parse", last_error="x")
    SummaryFactory(paper=paper, one_line="Old summary")

    serve(
        arxiv_api,
        Entry(
            arxiv_id="2405.00001",
            version=2,
            title="New title",
            updated=IN_WINDOW + datetime.timedelta(hours=5),
        ),
    )
    run = ingest(topic)
    paper.refresh_from_db()
    assert run.updated_count == 1 and Paper.objects.count() == 1
    assert (paper.version, paper.title, paper.status, paper.last_error) == (2, "New title", "fetched", "")
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]
    assert paper.summaries.get().one_line == "Old summary"


@pytest.mark.django_db
def test_older_version_from_a_stale_mirror_never_downgrades(arxiv_api):
    topic = TopicFactory()
    serve(arxiv_api, Entry(arxiv_id="2405.00001", version=3, title="v3"))
    ingest(topic)
    serve(arxiv_api, Entry(arxiv_id="2405.00001", version=2, title="v2"))
    run = ingest(topic)
    assert (Paper.objects.get().version, run.unchanged_count) == (3, 1)


@pytest.mark.django_db
def test_weekday_with_entries_outside_window_explains_itself(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2401.00001", published=datetime.datetime(2024, 1, 3, tzinfo=UTC)))
    run = ingest(TopicFactory())
    assert run.status == IngestRunStatus.EMPTY
    assert "arXiv returned 1 entries, none first submitted in the window" in run.note


@pytest.mark.django_db
def test_weekday_with_no_match_says_the_query_matched_nothing(arxiv_api):
    serve(arxiv_api)
    run = ingest(TopicFactory())
    assert run.status == IngestRunStatus.EMPTY
    assert "The query matched nothing" in run.note


@pytest.mark.django_db
def test_weekend_day_explains_that_arxiv_does_not_announce(arxiv_api):
    serve(arxiv_api)
    run = ingest(TopicFactory(), day=datetime.date(2024, 5, 5))  # Sunday
    assert run.status == IngestRunStatus.EMPTY
    assert "arXiv announces nothing on Saturday or Sunday" in run.note


@pytest.mark.django_db
def test_failed_fetch_writes_no_papers(arxiv_api, settings):
    settings.ARXIV_NUM_RETRIES = 0
    arxiv_api.route("/api/query", Reply(500))
    run = ingest(TopicFactory())
    assert run.status == IngestRunStatus.FAILED and run.finished_at is not None
    assert not Paper.objects.exists() and not TopicPaper.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_pipeline_is_enqueued_after_commit_in_batches(arxiv_api, settings):
    settings.PIPELINE_BATCH_SIZE = 2
    serve(arxiv_api, *[Entry(arxiv_id=f"2405.0000{i}") for i in range(5)])
    ingest(TopicFactory(), enqueue=True)
    assert len(queued_tasks()) == 3


@pytest.mark.django_db(transaction=True)
def test_summarized_unchanged_papers_are_not_enqueued_again(arxiv_api):
    serve(arxiv_api, Entry(arxiv_id="2405.00001"))
    topic = TopicFactory()
    ingest(topic)
    Paper.objects.update(status=PaperStatus.SUMMARIZED)
    run = ingest(topic, enqueue=True)
    assert run.pending_paper_ids == [] and len(queued_tasks()) == 0


@pytest.mark.django_db
def test_since_backfills_one_run_per_day(arxiv_api, settings):
    serve(arxiv_api)
    topic = TopicFactory()
    since = datetime.datetime.now(UTC).date() - datetime.timedelta(days=2)
    call_command("ingest", topic.slug, since=since.isoformat())
    assert sorted(IngestRun.objects.values_list("digest_date", flat=True)) == [
        since + datetime.timedelta(days=n) for n in range(3)
    ]


@pytest.mark.django_db
def test_command_fails_loudly_when_the_ingest_fails(arxiv_api, settings):
    settings.ARXIV_NUM_RETRIES = 0
    arxiv_api.route("/api/query", Reply(503))
    with pytest.raises(CommandError, match="1 of 1 ingest run"):
        call_command("ingest", TopicFactory().slug, date=DAY.isoformat())


@pytest.mark.django_db
def test_source_replays_a_recorded_day_end_to_end(tmp_path, capsys):
    entries = [Entry(arxiv_id="2404.19382", base="https://arxiv.org"), Entry(arxiv_id="2404.18919", pdf_link=False)]
    (tmp_path / "arxiv.xml").write_bytes(feed(entries))
    (tmp_path / "pdfs").mkdir()
    for entry in entries:
        (tmp_path / "pdfs" / f"{entry.versioned_id}.pdf").write_bytes(make_pdf(entry.title))
    topic = TopicFactory(auto_publish=True)

    call_command("ingest", topic.slug, date=DAY.isoformat(), source=str(tmp_path / "arxiv.xml"))

    papers = Paper.objects.order_by("arxiv_id")
    assert [p.status for p in papers] == [PaperStatus.SUMMARIZED] * 2
    assert all(p.content.pdf_bytes > 0 and p.content.page_count == 1 for p in papers)
    # Public links stay canonical; the replay server's address is not kept.
    assert papers[1].abs_url == "https://arxiv.org/abs/2404.19382v1"
    assert [p.pdf_url for p in papers] == [
        "https://arxiv.org/pdf/2404.18919v1",
        "https://arxiv.org/pdf/2404.19382v1",
    ]
    digest = topic.digests.get(date=DAY)
    assert digest.status == "published" and digest.entries.count() == 2


@pytest.mark.django_db
def test_demo_publishes_the_sample_day_and_is_idempotent(capsys):
    call_command("demo")
    first = capsys.readouterr().out
    call_command("demo")
    second = capsys.readouterr().out
    assert "Login:  admin / " in first and "already existed" in second
    assert "/topics/diffusion-models/2024-05-02/" in second
    assert Paper.objects.count() == 7 and IngestRun.objects.count() == 2
    digest = TopicPaper.objects.first().topic.digests.get()
    assert digest.status == "published" and digest.entries.filter(hidden=False).count() == 7
    assert Group.objects.filter(name="Editor").exists()


@pytest.mark.django_db
def test_demo_digest_page_shows_each_papers_figures_affiliation_and_links(client):
    call_command("demo", stdout=io.StringIO())
    html = client.get("/topics/diffusion-models/2024-05-02/").content.decode()
    for paper in Paper.objects.select_related("content").prefetch_related("figures"):
        figures = [f for f in paper.figures.all() if f.kind == "figure"]
        assert len(figures) >= 2 and all(f.caption and f.thumbnail for f in figures), paper.arxiv_id
        assert paper.content.affiliation and paper.content.affiliation in html
        assert all(figure.thumbnail.url in html for figure in figures)
    for link in ("https://github.com/hxxdtd/PUND", "https://y-ichen.github.io/FlexiFilm-Page"):
        assert link in html
