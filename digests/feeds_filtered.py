"""RSS 2.0 and Atom feeds of a topic's filtered papers, one item per paper, same URL parameters as the page.

The items are ``topic_papers_filtered``'s, so the feed lists what the page
lists, newest first. GUIDs are ``tag:`` URIs of the paper alone: a paper
met again under other filters is the same item.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from papers.models import Topic

from . import selectors
from .topic_filters import PaperFilters, topic_papers_filtered

ITEMS_PER_FEED = 30


@dataclass(frozen=True)
class FilteredScope:
    topic: Topic
    filters: PaperFilters
    format: str

    def with_query(self, url: str) -> str:
        query = self.filters.querystring()
        return f"{url}?{query}" if query else url


class TopicPapersFeed(Feed):
    feed_type = Rss201rev2Feed
    format = "rss"
    item_guid_is_permalink = False

    def get_object(self, request, slug: str) -> FilteredScope:
        topic = get_object_or_404(Topic, slug=slug, is_active=True)
        return FilteredScope(topic=topic, filters=PaperFilters.from_query(request.GET), format=self.format)

    def title(self, scope: FilteredScope) -> str:
        return f"{scope.topic.name} · papers · paperdigest"

    def link(self, scope: FilteredScope) -> str:
        return scope.with_query(reverse("digests:topic_papers", kwargs={"slug": scope.topic.slug}))

    def feed_url(self, scope: FilteredScope) -> str:
        return scope.with_query(reverse(f"feed-topic-papers-{scope.format}", kwargs={"slug": scope.topic.slug}))

    def description(self, scope: FilteredScope) -> str:
        shown = ", ".join(f"{name}={value}" for name, value in vars(scope.filters).items() if value)
        return f"Papers of {scope.topic.name}" + (f" where {shown}." if shown else ".")

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.topic.language
        return feed

    def items(self, scope: FilteredScope):
        papers = list(topic_papers_filtered(scope.topic, scope.filters)[:ITEMS_PER_FEED])
        for paper in papers:
            paper.summary = selectors.summary_in_language(paper.summaries.all(), scope.topic.language)
        return papers

    def item_title(self, paper) -> str:
        return paper.title

    def item_link(self, paper) -> str:
        return paper.get_absolute_url()

    def item_guid(self, paper) -> str:
        authority = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{authority},{paper.published.date().isoformat()}:paper/{paper.arxiv_id}"

    def item_description(self, paper) -> str:
        return paper.summary.one_line if paper.summary and paper.summary.one_line else paper.abstract

    def item_author_name(self, paper) -> str:
        return ", ".join(paper.authors)

    def item_pubdate(self, paper):
        return paper.digest_published_at

    def item_categories(self, paper):
        return [paper.primary_category] if paper.primary_category else []


class TopicPapersAtomFeed(TopicPapersFeed):
    feed_type = Atom1Feed
    format = "atom"
    subtitle = TopicPapersFeed.description
