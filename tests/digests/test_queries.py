"""Queries per page must not grow with the number of papers (5 vs 50)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.services.cache import public_cache_invalidate
from digests.services.search_index import search_index_refresh
from tests.digests.builders import make_digest
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

URLS = {
    "digest page": lambda d: d.get_absolute_url(),
    "topic page": lambda d: d.topic.get_absolute_url(),
    "home page": lambda d: "/",
    "paper page": lambda d: d.entries.first().paper.get_absolute_url(),
    "figure page": lambda d: f"/papers/{d.entries.first().paper.arxiv_id}/figures/1/",
    "topic rss": lambda d: f"/feeds/{d.topic.slug}/rss.xml",
    "topic atom": lambda d: f"/feeds/{d.topic.slug}/atom.xml",
    "all-topics rss": lambda d: "/feeds/rss.xml",
    "all-topics atom": lambda d: "/feeds/atom.xml",
    "search": lambda d: "/search/?q=diffusion",
    "sitemap": lambda d: "/sitemap.xml",
}


def build(papers: int, slug: str):
    topic = TopicFactory(slug=slug)
    make_digest(papers=papers, topic=topic, date=datetime.date(2024, 5, 1))
    digest = make_digest(papers=papers, topic=topic, date=datetime.date(2024, 5, 2))
    public_cache_invalidate()
    search_index_refresh()
    return digest


@pytest.mark.parametrize("name", URLS)
def test_query_count_does_not_grow_with_papers(client, settings, name, django_assert_num_queries):
    # Page cache off: the render path itself must stay flat.
    settings.PUBLIC_CACHE_SECONDS = 0
    url_for = URLS[name]
    small_url = url_for(build(5, "small"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(small_url).status_code == 200
    large_url = url_for(build(50, "large"))
    with django_assert_num_queries(len(few)):
        response = client.get(large_url)
    assert response.status_code == 200


def test_cached_page_needs_no_queries(client, django_assert_num_queries):
    url = build(50, "large").get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        client.get(url)
