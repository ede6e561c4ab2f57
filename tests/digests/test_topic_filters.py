"""A topic's papers filtered by keyword, author and affiliation: the selector, the page and its feed."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.services.search_index import search_index_refresh
from digests.topic_filters import PaperFilters, topic_papers_filtered
from papers.models import PaperContent
from tests.digests.builders import full_summary
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory

pytestmark = pytest.mark.django_db

ROWS = [
    # key, title, abstract, authors, affiliation, keywords
    (
        "ddpm",
        "Denoising Diffusion Probabilistic Models",
        "We present high quality image synthesis with diffusion probabilistic models.",
        ["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"],
        "UC Berkeley",
        ["diffusion", "denoising"],
    ),
    (
        "video",
        "Video Diffusion Models",
        "A diffusion model for video generation that extends the image architecture.",
        ["Jonathan Ho", "Tim Salimans"],
        "Google Research",
        ["video diffusion"],
    ),
    (
        "survey",
        "Diffusion Models: A Comprehensive Survey",
        "A survey of diffusion models and their applications.",
        ["Ling Yang", "Thomas Müller"],
        "Peking University",
        ["survey", "diffusion"],
    ),
    (
        "nlp",
        "Attention Is All You Need",
        "The transformer, a network architecture based solely on attention mechanisms.",
        ["Ashish Vaswani", "Noam Shazeer"],
        "Google Brain",
        ["transformer", "attention"],
    ),
    (
        "stanford",
        "Score-Based Generative Modeling through Stochastic Differential Equations",
        "Score-based diffusion through stochastic differential equations.",
        ["Yang Song", "Stefano Ermon"],
        "Stanford University",
        ["score matching"],
    ),
]


def published_digest(topic, date):
    return DigestFactory(
        topic=topic, date=date, status="published", published_at=timezone.now() - datetime.timedelta(hours=1)
    )


def add_paper(digest, title, abstract, authors, affiliation, keywords, position=0):
    paper = PaperFactory(title=title, abstract=abstract, authors=authors)
    PaperContent.objects.create(paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation=affiliation)
    full_summary(paper, keywords=keywords, one_line=f"One line about {title}.")
    DigestEntryFactory(digest=digest, paper=paper, position=position)
    return paper


@pytest.fixture
def topic():
    topic = TopicFactory(slug="gen")
    # Two days, so "newest first" has something to order.
    first = published_digest(topic, datetime.date(2024, 5, 1))
    second = published_digest(topic, datetime.date(2024, 5, 2))
    for position, (key, *row) in enumerate(ROWS):
        add_paper(second if key in {"video", "survey"} else first, *row, position=position)
    search_index_refresh()
    return topic


def keys(topic, **filters):
    titles = {row[1]: row[0] for row in ROWS}
    return [titles[p.title] for p in topic_papers_filtered(topic, PaperFilters(**filters))]


def test_no_filter_lists_every_public_paper_newest_digest_first(topic):
    listed = keys(topic)
    assert sorted(listed) == sorted(row[0] for row in ROWS)
    assert set(listed[:2]) == {"video", "survey"}


def test_keyword_includes_matching_papers(topic):
    assert set(keys(topic, q="diffusion")) == {"ddpm", "video", "survey", "stanford"}


def test_every_keyword_must_match(topic):
    assert keys(topic, q="diffusion video") == ["video"]


def test_keyword_is_case_insensitive_and_stemmed(topic):
    assert keys(topic, q="TRANSFORMERS") == ["nlp"]


def test_keyword_matches_summary_keywords(topic):
    # "score matching" appears only in the summary's keywords.
    assert keys(topic, q="matching") == ["stanford"]


def test_keyword_does_not_match_author_names(topic):
    assert keys(topic, q="Vaswani") == []


def test_excluded_keyword_removes_papers(topic):
    assert set(keys(topic, q="diffusion", not_q="survey")) == {"ddpm", "video", "stanford"}


def test_any_excluded_keyword_removes_a_paper(topic):
    assert set(keys(topic, not_q="survey video")) == {"ddpm", "nlp", "stanford"}


def test_author_matches_the_start_of_a_name_word(topic):
    assert set(keys(topic, author="Ho")) == {"ddpm", "video"}


def test_author_part_inside_a_word_does_not_match(topic):
    # "ho" is inside "Thomas", which must not count.
    assert "survey" not in keys(topic, author="ho")


def test_author_is_case_insensitive(topic):
    assert set(keys(topic, author="jonathan ho")) == {"ddpm", "video"}


def test_author_with_non_ascii_letters(topic):
    assert keys(topic, author="Müller") == ["survey"]


def test_every_comma_separated_author_must_match(topic):
    assert keys(topic, author="Ho, Salimans") == ["video"]


def test_excluded_author_removes_papers(topic):
    assert keys(topic, author="Ho", not_author="Abbeel") == ["video"]


def test_affiliation_includes(topic):
    assert set(keys(topic, affil="google")) == {"video", "nlp"}


def test_affiliation_excludes(topic):
    assert set(keys(topic, not_affil="Google")) == {"ddpm", "survey", "stanford"}


def test_exclude_wins_over_include(topic):
    assert keys(topic, affil="Stanford", not_affil="stanford") == []
    assert keys(topic, author="Song", not_author="song") == []
    assert keys(topic, q="equations", not_q="equations") == []


def test_filters_combine(topic):
    assert keys(topic, q="diffusion", author="Ho", affil="Google", not_q="survey") == ["video"]


def test_paper_without_content_survives_an_affiliation_exclude(topic):
    digest = published_digest(topic, datetime.date(2024, 5, 3))
    paper = PaperFactory(title=ROWS[0][1])
    DigestEntryFactory(digest=digest, paper=paper)
    assert paper in topic_papers_filtered(topic, PaperFilters(not_affil="Berkeley"))


def test_only_public_papers_of_the_topic_are_listed(topic):
    draft = DigestFactory(topic=topic, date=datetime.date(2024, 5, 5))
    add_paper(draft, "Draft Diffusion", "Diffusion draft.", ["Jonathan Ho"], "X", ["diffusion"])
    other = published_digest(TopicFactory(), datetime.date(2024, 5, 2))
    add_paper(other, "Other Topic Diffusion", "Diffusion elsewhere.", ["Jonathan Ho"], "X", ["diffusion"])
    hidden = add_paper(
        published_digest(topic, datetime.date(2024, 5, 4)), "Hidden", "Diffusion.", ["A B"], "X", ["diffusion"]
    )
    hidden.digest_entries.update(hidden=True)
    search_index_refresh()
    titles = [p.title for p in topic_papers_filtered(topic, PaperFilters(q="diffusion"))]
    assert len(titles) == 4
    assert not {"Draft Diffusion", "Other Topic Diffusion", "Hidden"} & set(titles)


def test_filters_read_from_the_query_string_round_trip():
    filters = PaperFilters.from_query(QueryDict("q=diffusion++video&author=Ho&not_affil=Google%20Brain&page=2"))
    assert filters == PaperFilters(q="diffusion video", author="Ho", not_affil="Google Brain")
    assert PaperFilters.from_query(QueryDict(filters.querystring())) == filters


# --- The page -----------------------------------------------------------------


def page(client, topic, query=""):
    response = client.get(f"/topics/{topic.slug}/papers/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.content.decode()


def listed_titles(html):
    return [unescape(t) for t in re.findall(r'class="result-title"[^>]*>([^<]+)</a>', html)]


def test_page_lists_the_selectors_papers(client, topic):
    html = page(client, topic, "q=diffusion&author=Ho&not_author=Abbeel")
    assert listed_titles(html) == ["Video Diffusion Models"]


def test_page_form_round_trips_its_values(client, topic):
    values = {
        "q": "diffusion",
        "author": "Ho",
        "affil": "Google",
        "not_q": "survey",
        "not_author": "Abbeel",
        "not_affil": "Brain",
    }
    html = page(client, topic, PaperFilters(**values).querystring())
    start = html.index('<form class="paper-filters"')
    form = html[start : html.index("</form>", start)]
    assert 'method="get"' in form
    shown = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert shown == values
    assert "<script" not in html


def test_page_is_bookmarkable_the_same_url_lists_the_same_papers(client, topic):
    url = f"/topics/{topic.slug}/papers/?q=diffusion&not_q=survey"
    assert listed_titles(client.get(url).content.decode()) == listed_titles(client.get(url).content.decode())
    assert len(listed_titles(client.get(url).content.decode())) == 3


def test_page_links_its_feeds_with_the_same_filters(client, topic):
    html = page(client, topic, "q=diffusion&author=Ho")
    assert f'href="/feeds/{topic.slug}/papers/rss.xml?q=diffusion&amp;author=Ho"' in html
    assert f'href="/feeds/{topic.slug}/papers/atom.xml?q=diffusion&amp;author=Ho"' in html


def test_pager_keeps_the_filters(client, topic, settings, monkeypatch):
    import digests.views_filter

    settings.PUBLIC_CACHE_SECONDS = 0
    monkeypatch.setattr(digests.views_filter, "PAPERS_PER_PAGE", 2)
    first = page(client, topic, "q=diffusion")
    next_link = unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert parse_qs(urlsplit(next_link).query) == {"q": ["diffusion"], "page": ["2"]}
    second = page(client, topic, urlsplit(next_link).query)
    assert len(listed_titles(first)) == len(listed_titles(second)) == 2
    assert not set(listed_titles(first)) & set(listed_titles(second))


def test_unknown_topic_is_404(client, db):
    assert client.get("/topics/nope/papers/").status_code == 404


def test_topic_page_links_to_the_filter_page(client, topic):
    assert f'href="/topics/{topic.slug}/papers/"' in client.get(topic.get_absolute_url()).content.decode()


# --- The feed -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["papers/rss.xml", "papers/atom.xml"])
def test_feed_validates_and_lists_the_pages_papers(client, topic, path):
    query = "q=diffusion&not_q=survey"
    response = client.get(f"/feeds/{topic.slug}/{path}?{query}")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert [entry.title for entry in feed.entries] == listed_titles(page(client, topic, query))
    assert len(feed.entries) == 3
    assert all(entry.link.endswith("/") and "/papers/" in entry.link for entry in feed.entries)


def test_feed_link_points_back_to_the_filtered_page(client, topic):
    feed = feedparser.parse(client.get(f"/feeds/{topic.slug}/papers/atom.xml?author=Ho").content)
    assert feed.feed.link.endswith(f"/topics/{topic.slug}/papers/?author=Ho")
    assert "One line about" in feed.entries[0].summary


def feed_description(client, slug, path, query=""):
    feed = feedparser.parse(client.get(f"/feeds/{slug}/{path}?{query}").content)
    return feed.feed.get("subtitle") or feed.feed.get("description")


@pytest.mark.parametrize("path", ["papers/rss.xml", "papers/atom.xml"])
def test_filtered_feed_describes_its_filters_in_a_chinese_topics_language(client, db, path):
    TopicFactory(slug="kuosan", name="扩散模型", language="zh-hans")
    query = "q=diffusion+video&author=Ho,Song&not_affil=Google"
    assert feed_description(client, "kuosan", path, query) == (
        "扩散模型 方向的 arXiv 新论文，每篇一条，附总结，"
        "包含关键词 “diffusion video”、作者 “Ho,Song”；排除第一作者单位 “Google”。"
    )


def test_filtered_feed_describes_its_filters_in_english_for_an_english_topic(client, db):
    TopicFactory(slug="diff", name="Diffusion", language="en")
    assert feed_description(client, "diff", "papers/rss.xml", "q=video&not_q=survey&not_author=Ho") == (
        "New arXiv papers on Diffusion, one item per paper, with their summaries, "
        "including keywords “video”; excluding keywords “survey”, author “Ho”."
    )


def test_unfiltered_paper_feed_of_a_chinese_topic_is_described_in_chinese(client, db):
    TopicFactory(slug="kuosan", name="扩散模型", language="zh-hans")
    assert feed_description(client, "kuosan", "papers/atom.xml") == "扩散模型 方向的 arXiv 新论文，每篇一条，附总结。"


# --- Queries ----------------------------------------------------------------------


def build(count, slug):
    topic = TopicFactory(slug=slug)
    digest = published_digest(topic, datetime.date(2024, 5, 2))
    for n in range(count):
        add_paper(digest, f"Diffusion Paper {n}", "A diffusion model.", ["Jonathan Ho"], "Google", ["diffusion"], n)
    search_index_refresh()
    return topic


@pytest.mark.parametrize(
    "url",
    ["/topics/{slug}/papers/?q=diffusion&author=Ho&not_affil=Berkeley", "/feeds/{slug}/papers/rss.xml?q=diffusion"],
)
def test_query_count_does_not_grow_with_papers(client, settings, url, django_assert_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0
    small = url.format(slug=build(5, "small").slug)
    with CaptureQueriesContext(connection) as few:
        assert client.get(small).status_code == 200
    large = url.format(slug=build(50, "large").slug)
    with django_assert_num_queries(len(few)):
        response = client.get(large)
    assert response.status_code == 200
    assert re.search(rb"Diffusion Paper 0\b", response.content)  # the first of the day, whatever the page size


def test_keyword_matches_a_chinese_summary_keyword(topic):
    digest = published_digest(topic, datetime.date(2024, 5, 3))
    paper = add_paper(digest, "Unrelated Title", "Nothing here.", ["A B"], "X", ["扩散模型"])
    search_index_refresh()
    assert list(topic_papers_filtered(topic, PaperFilters(q="扩散"))) == [paper]


def test_keyword_in_the_summary_body_alone_does_not_match(topic):
    # Every summary's background reads "Diffusion models are popular."; the attention paper is still not listed.
    assert "nlp" not in keys(topic, q="popular") + keys(topic, q="diffusion")


def test_site_search_box_is_not_filled_with_the_filters(client, topic):
    html = page(client, topic, "q=diffusion&author=Ho")
    assert re.search(r'id="site-search"[^>]*value=""', html)
