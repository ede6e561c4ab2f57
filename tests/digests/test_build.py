"""digest_build: composition, editors' choices kept, and when it publishes itself."""

import datetime

import pytest
from django.core.management import call_command

from digests.models import DigestStatus
from digests.services.build import digest_build
from papers.models import Paper
from tests.factories import (
    DigestEntryFactory,
    DigestFactory,
    PaperFactory,
    SummaryFactory,
    TopicFactory,
    TopicPaperFactory,
)

DAY = datetime.date(2024, 5, 2)
UTC = datetime.timezone.utc


def day_paper(topic, hour, status="summarized", summary=True, **kwargs):
    if status == "failed":
        kwargs.update(failed_step="download", last_error="The PDF link answered HTTP 404")
    paper = PaperFactory(published=datetime.datetime(2024, 5, 1, hour, tzinfo=UTC), status=status, **kwargs)
    TopicPaperFactory(topic=topic, paper=paper, digest_date=DAY)
    if status == "summarized" and summary:
        SummaryFactory(paper=paper, language=topic.language)
    return paper


def positions(digest):
    return list(digest.entries.order_by("position").values_list("paper_id", "hidden"))


@pytest.mark.django_db
def test_new_digest_lists_the_days_papers_newest_first():
    topic = TopicFactory(name="Diffusion Models", language="en")
    older, newer = day_paper(topic, 8), day_paper(topic, 12, title="Newest Paper")
    PaperFactory()  # another day's paper, not linked
    digest = digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(newer.pk, False), (older.pk, False)]
    assert digest.title == "Diffusion Models"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_new_digest_leaves_the_description_blank_for_the_editor(language):
    topic = TopicFactory(language=language)
    day_paper(topic, 8, title="Probing Unlearned Diffusion Models")
    digest = digest_build(topic=topic, date=DAY)
    digest.refresh_from_db()
    assert digest.description == ""


@pytest.mark.django_db
def test_a_rebuild_with_a_new_first_paper_writes_no_description():
    topic = TopicFactory()
    day_paper(topic, 8)
    digest_build(topic=topic, date=DAY)
    day_paper(topic, 20, title="A Newer First Paper")
    digest = digest_build(topic=topic, date=DAY)
    digest.refresh_from_db()
    assert digest.entries.count() == 2
    assert digest.description == ""


@pytest.mark.django_db
def test_rebuild_keeps_editor_order_and_hidden_flags_and_appends_new_papers():
    topic = TopicFactory()
    first, second = day_paper(topic, 12), day_paper(topic, 8)
    digest = digest_build(topic=topic, date=DAY)
    digest.entries.filter(paper=first).update(position=5, hidden=True)
    digest.entries.filter(paper=second).update(position=1)
    late = day_paper(topic, 20)
    digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(second.pk, False), (first.pk, True), (late.pk, False)]


@pytest.mark.django_db
def test_an_editors_description_survives_a_rebuild_that_adds_papers():
    topic = TopicFactory()
    day_paper(topic, 8)
    digest = DigestFactory(topic=topic, date=DAY, description="Hand-written intro")
    digest_build(topic=topic, date=DAY)
    day_paper(topic, 20)
    digest_build(topic=topic, date=DAY)
    digest.refresh_from_db()
    assert digest.entries.count() == 2
    assert digest.description == "Hand-written intro"


@pytest.mark.django_db
def test_failed_papers_stay_out_until_a_retry_succeeds():
    topic = TopicFactory()
    ok, failed = day_paper(topic, 12), day_paper(topic, 8, status="failed")
    digest = digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(ok.pk, False)]
    Paper.objects.filter(pk=failed.pk).update(status="summarized", failed_step="", last_error="")
    digest = digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(ok.pk, False), (failed.pk, False)]


@pytest.mark.django_db
def test_a_paper_joins_only_once_summarized_so_a_later_failure_is_counted_not_listed():
    from digests.selectors import digest_not_processed

    topic = TopicFactory()
    ok, pending = day_paper(topic, 12), day_paper(topic, 8, status="fetched")
    digest = digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(ok.pk, False)]
    Paper.objects.filter(pk=pending.pk).update(status="failed", failed_step="parse", last_error="Encrypted")
    digest = digest_build(topic=topic, date=DAY)
    assert positions(digest) == [(ok.pk, False)]
    assert digest_not_processed(digest=digest).count == 1


@pytest.mark.django_db
def test_auto_publish_when_every_paper_is_done():
    topic = TopicFactory(auto_publish=True)
    day_paper(topic, 12)
    day_paper(topic, 8, status="failed")
    digest = digest_build(topic=topic, date=DAY)
    assert digest.status == DigestStatus.PUBLISHED
    assert digest.published_at is not None and digest.first_published_at == digest.published_at


@pytest.mark.django_db
def test_no_auto_publish_while_a_paper_is_in_progress():
    topic = TopicFactory(auto_publish=True)
    day_paper(topic, 12)
    day_paper(topic, 8, status="parsed")
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.DRAFT


@pytest.mark.django_db
def test_no_auto_publish_when_every_paper_failed():
    topic = TopicFactory(auto_publish=True)
    day_paper(topic, 8, status="failed")
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.DRAFT


@pytest.mark.django_db
def test_no_auto_publish_while_a_visible_paper_has_no_summary():
    topic = TopicFactory(auto_publish=True)
    day_paper(topic, 12, summary=False)
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.DRAFT


@pytest.mark.django_db
def test_no_auto_publish_without_the_topic_flag():
    topic = TopicFactory(auto_publish=False)
    day_paper(topic, 12)
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.DRAFT


@pytest.mark.django_db
def test_blocking_flag_on_a_visible_summary_stops_auto_publish():
    topic = TopicFactory(auto_publish=True, language="en")
    paper = day_paper(topic, 12, summary=False)
    SummaryFactory(paper=paper, language="en", flags=[{"code": "number-mismatch", "blocking": True}])
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.DRAFT


@pytest.mark.django_db
def test_blocking_flag_on_a_hidden_entry_does_not_stop_auto_publish():
    topic = TopicFactory(auto_publish=True, language="en")
    shown, hidden = day_paper(topic, 12), day_paper(topic, 8, summary=False)
    SummaryFactory(paper=hidden, language="en", flags=[{"code": "x", "blocking": True}])
    digest = DigestFactory(topic=topic, date=DAY)
    DigestEntryFactory(digest=digest, paper=hidden, hidden=True)
    assert digest_build(topic=topic, date=DAY).status == DigestStatus.PUBLISHED
    assert digest.entries.filter(paper=shown, hidden=False).exists()


@pytest.mark.django_db
def test_published_digest_is_not_republished():
    topic = TopicFactory(auto_publish=True)
    day_paper(topic, 12)
    first = digest_build(topic=topic, date=DAY).published_at
    assert digest_build(topic=topic, date=DAY).published_at == first


@pytest.mark.django_db
def test_build_digest_command(capsys):
    topic = TopicFactory()
    day_paper(topic, 12)
    call_command("build_digest", topic.slug, date=DAY.isoformat())
    assert f"/topics/{topic.slug}/2024-05-02/" in capsys.readouterr().out


@pytest.mark.django_db
def test_digest_gets_the_first_papers_first_figure_as_cover_and_keeps_an_editors_choice():
    from tests.factories import FigureFactory

    topic = TopicFactory()
    first, second = day_paper(topic, 12), day_paper(topic, 8)
    FigureFactory(paper=first, kind="table", order=0, image="figures/t.jpg", width=600, height=400)
    wanted = FigureFactory(paper=first, kind="figure", order=1, image="figures/f.jpg", width=600, height=400)
    chosen = FigureFactory(paper=second, kind="figure", order=0, image="figures/g.jpg", width=600, height=400)
    digest = digest_build(topic=topic, date=DAY)
    assert digest.cover_figure == wanted
    digest.cover_figure = chosen
    digest.save()
    assert digest_build(topic=topic, date=DAY).cover_figure == chosen


@pytest.mark.django_db
def test_a_rebuild_with_nothing_new_costs_the_same_queries_for_a_long_day():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 12):
        topic = TopicFactory(auto_publish=False)
        for hour in range(n):
            day_paper(topic, hour)
        digest_build(topic=topic, date=DAY)
        with CaptureQueriesContext(connection) as rebuild:
            digest_build(topic=topic, date=DAY)
        counts.append(len(rebuild))
    assert counts[0] == counts[1], counts
