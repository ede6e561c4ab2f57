"""Issue 16: every page tells the truth about the language of what it shows.

An offline (extractive) summary of an English paper is English wherever it is
shown: stored as ``en``, marked ``lang="en"``, and labelled so in a Chinese
topic's page, whose own words stay Chinese.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from digests.selectors import summary_in_language
from digests.services.publish import digest_blockers
from digests.services.search_index import search_index_refresh
from papers.admin.papers import pipeline_counts
from papers.models import PaperStatus, Summary
from papers.services.summarize import papers_summarize
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory, TopicPaperFactory

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "Video generation with diffusion models is increasingly important for film making. "
    "However, existing methods struggle to keep characters consistent across long shots. "
    "We propose FlexiFilm, a temporal conditioning framework for consistent long video generation. "
    "Our approach consists of a temporal conditioner and a resampling module trained jointly. "
    "Experiments show that FlexiFilm outperforms strong baselines with 25% lower FVD on two benchmarks. "
    "This work paves the way for controllable long-form video generation in practice."
)
LABEL_ZH = "英文 · 离线摘要（未配置大语言模型）"


def _offline_digest(*languages):
    """One English paper in a published digest of each topic language, summarized by the real offline backend."""
    paper = PaperFactory(title="FlexiFilm: Long Video Generation", abstract=ABSTRACT)
    digests = []
    for language in languages:
        topic = TopicFactory(language=language)
        TopicPaperFactory(topic=topic, paper=paper)
        digest = DigestFactory(
            topic=topic, status="published", published_at=timezone.now() - datetime.timedelta(hours=1)
        )
        DigestEntryFactory(digest=digest, paper=paper)
        digests.append(digest)
    assert papers_summarize(papers=[paper], backend="extractive") == {paper.pk: None}
    paper.status = PaperStatus.SUMMARIZED
    paper.save(update_fields=["status"])
    return paper, digests


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_chinese_digest_shows_the_english_offline_summary_as_english(client):
    paper, (digest,) = _offline_digest("zh-hans")
    html = _html(client, digest.get_absolute_url())

    assert '<html lang="zh-hans">' in html
    assert f'<p class="summary-language-note">{LABEL_ZH}</p>' in html
    assert '<section class="summary" lang="en">' in html
    summary = Summary.objects.get(paper=paper)
    assert summary.one_line and summary.one_line in html
    # The page's own words stay Chinese.
    assert "摘要" in html


def test_the_digest_marks_the_english_title_and_abstract_as_english(client):
    paper, (digest,) = _offline_digest("zh-hans")
    html = _html(client, digest.get_absolute_url())

    assert re.search(r'<a href="[^"]*" lang="en">FlexiFilm', html)
    assert '<div lang="en"><p>Video generation with diffusion' in html


def test_the_paper_page_names_the_summarys_real_language(client):
    paper, _ = _offline_digest("zh-hans")
    html = _html(client, paper.get_absolute_url())

    assert '<html lang="zh-hans">' in html
    assert f"({LABEL_ZH})" in html
    assert "总结 <span" in html and "(简体中文)" not in html
    assert '<section class="summary" lang="en">' in html
    assert '<h1 lang="en">FlexiFilm' in html


def test_an_english_topic_shows_its_offline_summary_without_a_language_note(client):
    _paper, (digest,) = _offline_digest("en")
    html = _html(client, digest.get_absolute_url())

    assert '<html lang="en">' in html
    assert "summary-language-note" not in html
    assert '<section class="summary" lang="en">' in html


def test_the_home_page_card_of_a_chinese_topic_speaks_chinese(client):
    _offline_digest("zh-hans", "en")
    html = _html(client, reverse("digests:home"))

    assert html.count('<li class="card" lang="zh-hans">') == 1
    assert html.count('<li class="card" lang="en">') == 1
    assert "篇论文" in html  # the Chinese card's own words


def test_search_shows_the_offline_summary_marked_english(client):
    paper, _ = _offline_digest("zh-hans")
    search_index_refresh()
    html = _html(client, reverse("digests:search") + "?q=FlexiFilm")

    one_line = Summary.objects.get(paper=paper).one_line
    assert f'<p lang="en">{one_line}' in html


def test_both_topics_show_the_one_english_summary():
    paper, digests = _offline_digest("en", "zh-hans")
    (summary,) = Summary.objects.filter(paper=paper)
    summaries = list(paper.summaries.order_by("language"))
    assert [summary_in_language(summaries, d.topic.language) for d in digests] == [summary, summary]


def test_a_topics_own_language_summary_comes_before_the_fallback():
    paper = PaperFactory()
    english = Summary.objects.create(paper=paper, language="en")
    chinese = Summary.objects.create(paper=paper, language="zh-hans")
    summaries = [english, chinese]
    assert summary_in_language(summaries, "zh-hans") == chinese
    assert summary_in_language(summaries, "en") == english
    assert summary_in_language([english], "zh-hans") == english
    assert summary_in_language([], "zh-hans") is None


def test_publishing_a_chinese_digest_accepts_the_english_offline_summary():
    _paper, (digest,) = _offline_digest("zh-hans")
    assert digest_blockers(digest=digest) == []


def test_publishing_still_blocks_a_paper_with_no_summary_at_all():
    _paper, (digest,) = _offline_digest("zh-hans")
    Summary.objects.all().delete()
    (blocker,) = digest_blockers(digest=digest)
    assert blocker.messages == ["no summary yet"]


def test_the_dashboard_counts_a_reviewed_fallback_summary_as_reviewed():
    paper, (digest,) = _offline_digest("zh-hans")
    Summary.objects.filter(paper=paper).update(reviewed_at=timezone.now())
    (row,) = pipeline_counts(since=datetime.date(2024, 5, 1))
    assert (row["summarized"], row["reviewed"]) == (1, 1)


def test_the_dashboard_ignores_a_reviewed_summary_the_topic_does_not_show():
    paper, (digest,) = _offline_digest("zh-hans")
    Summary.objects.filter(paper=paper).update(reviewed_at=timezone.now())
    Summary.objects.create(paper=paper, language="zh-hans")  # now the one the topic shows, not reviewed
    (row,) = pipeline_counts(since=datetime.date(2024, 5, 1))
    assert row["reviewed"] == 0


def test_the_review_queue_lists_the_offline_summary_as_english(editor_client):
    paper, (digest,) = _offline_digest("zh-hans")
    response = editor_client.get(reverse("admin:papers_summary_changelist"))
    (listed,) = response.context["cl"].result_list
    assert listed.paper == paper and listed.language == "en"
    assert listed.digest_date == digest.date
    html = response.content.decode()
    assert '<td class="field-language">English</td>' in html
    assert "简体中文</td>" not in html


def test_a_chinese_topics_feed_marks_the_offline_summary_english(client):
    _paper, (digest,) = _offline_digest("zh-hans")
    xml = _html(client, reverse("feed-topic-atom", kwargs={"slug": digest.topic.slug}))
    assert 'section class="summary" lang="en"' in xml.replace("&lt;", "<").replace("&quot;", '"')
    assert LABEL_ZH in xml


def test_home_and_search_speak_the_language_every_topic_shares(client):
    from tests.digests.builders import make_digest

    make_digest(papers=1, language="zh-hans")
    for url in ("/", "/search/?q=diffusion"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response["Content-Language"] == "zh-hans", url
        assert '<html lang="zh-hans"' in response.content.decode(), url


def test_home_speaks_the_readers_language_when_topics_speak_several(client):
    from tests.digests.builders import make_digest

    make_digest(papers=1, language="zh-hans")
    make_digest(papers=1, language="en")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in response.content.decode()


def test_a_figure_page_speaks_the_language_of_its_papers_topic(client):
    from tests.digests.builders import make_digest

    digest = make_digest(papers=1, language="zh-hans", figures=1)
    paper = digest.entries.get().paper
    response = client.get(f"/papers/{paper.arxiv_id}/figures/1/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()
