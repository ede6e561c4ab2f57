"""RSS 2.0 and Atom feeds of published digests, per topic and for all topics, and of each topic's papers.

The digest feeds carry one item per digest with its full content; a topic's
paper feed one item per paper (title, authors, one-liner, takeaways, first
figure, links). GUIDs are ``tag:`` URIs built from the site, the topic and
the digest date or the paper's arXiv id only, so an editor's fix updates an
item in place instead of announcing a new one; the fix moves the item's
update time instead.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from papers.models import Topic

from . import selectors
from .presentation import description_shown, summary_banner
from .services.cache import public_cache_changed_at
from .topic_filters import PaperFilters, topic_papers_matching

ITEMS_PER_FEED = 10
PAPERS_PER_FEED = 50
# An item's author line; a thousand-author collaboration paper is no byline.
AUTHORS_IN_BYLINE = 10

# How a paper feed's description names each filter, included or excluded.
FILTER_LABELS = {
    "q": gettext_lazy("keywords %(value)s"),
    "author": gettext_lazy("author %(value)s"),
    "affil": gettext_lazy("affiliation %(value)s"),
}


def _tag_authority() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _absolute(base_url: str, url: str) -> str:
    # Object storage serves media from absolute URLs already.
    return url if urlsplit(url).scheme else f"{base_url}{url}"


class FullContentAtom1Feed(Atom1Feed):
    """Atom with the digest as <content>, not as a <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("content", item["description"], {"type": "html"})


@dataclass(frozen=True)
class FeedScope:
    """Per-request state, kept off the shared Feed instance."""

    topic: Topic | None
    base_url: str
    format: str
    filters: PaperFilters = PaperFilters()


class PublicFeed(Feed):
    """What every public feed shares: Last-Modified that honours invalidation, and a per-topic language."""

    feed_type = Rss201rev2Feed
    format = "rss"
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # A hidden entry leaves no update time; the invalidation time stands in.
        data_time = parse_http_date_safe(response.get("Last-Modified", "")) or 0
        response["Last-Modified"] = http_date(max(data_time, public_cache_changed_at().timestamp()))
        return response

    def get_object(self, request, slug: str | None = None) -> FeedScope:
        topic = get_object_or_404(Topic, slug=slug, is_active=True) if slug else None
        return FeedScope(topic=topic, base_url=request.build_absolute_uri("/").rstrip("/"), format=self.format)

    def get_feed(self, obj, request):
        # Django reads Feed.language as a plain attribute, never calling it per object,
        # so the topic's language is set on the built feed.
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.topic.language if obj.topic else settings.LANGUAGE_CODE
        return feed


class DigestFeed(PublicFeed):
    def title(self, scope: FeedScope) -> str:
        return f"{scope.topic.name} · paperdigest" if scope.topic else "paperdigest"

    def link(self, scope: FeedScope) -> str:
        return scope.topic.get_absolute_url() if scope.topic else reverse("digests:home")

    def feed_url(self, scope: FeedScope) -> str:
        if scope.topic:
            return reverse(f"feed-topic-{scope.format}", kwargs={"slug": scope.topic.slug})
        return reverse(f"feed-{scope.format}")

    def description(self, scope: FeedScope) -> str:
        if scope.topic and scope.topic.description:
            return scope.topic.description
        if scope.topic:
            # Written in the topic's language, as the feed's items are.
            with translation.override(scope.topic.language):
                return _("Daily digest of new arXiv papers on %(topic)s.") % {"topic": scope.topic.name}
        return _("Daily digests of new arXiv papers, one per topic.")

    def items(self, scope: FeedScope):
        digests = selectors.feed_digests(topic=scope.topic, limit=ITEMS_PER_FEED)
        for digest in digests:
            digest.base_url = scope.base_url
        return digests

    def item_title(self, digest) -> str:
        return f"{digest.title or digest.topic.name} · {digest.date.isoformat()}"

    def item_link(self, digest) -> str:
        return digest.get_absolute_url()

    def item_guid(self, digest) -> str:
        return f"tag:{_tag_authority()},{digest.date.isoformat()}:digest/{digest.topic.slug}/{digest.date.isoformat()}"

    def item_description(self, digest) -> str:
        entries = digest.shown_entries
        with translation.override(digest.topic.language):
            return render_to_string(
                "digests/_feed_item.html",
                {
                    "digest": digest,
                    "entries": entries,
                    "description": description_shown(digest, entries),
                    "banner": summary_banner(entries),
                    "not_processed": selectors.not_processed_from_steps(digest.failed_steps),
                    "base_url": digest.base_url,
                    "in_feed": True,
                },
            )

    def item_pubdate(self, digest):
        return digest.first_published_at or digest.published_at

    def item_updateddate(self, digest):
        times = [digest.published_at, digest.updated_at]
        for entry in digest.shown_entries:
            times.append(entry.paper.updated_at)
            if entry.summary is not None:
                times.append(entry.summary.updated_at)
        return max(t for t in times if t is not None)

    def item_categories(self, digest):
        return [digest.topic.name]

    def _cover(self, digest):
        cover = digest.cover_figure
        return cover if cover is not None and cover.image and not cover.hidden else None

    def item_enclosure_url(self, digest) -> str | None:
        cover = self._cover(digest)
        return f"{digest.base_url}{cover.image.url}" if cover else None

    def item_enclosure_length(self, digest) -> int:
        cover = self._cover(digest)
        try:
            return cover.image.size if cover else 0
        except OSError:
            return 0

    def item_enclosure_mime_type(self, digest) -> str:
        cover = self._cover(digest)
        return (mimetypes.guess_type(cover.image.name)[0] if cover else None) or "image/png"


class DigestAtomFeed(DigestFeed):
    feed_type = FullContentAtom1Feed
    format = "atom"
    subtitle = DigestFeed.description


class PaperFeed(PublicFeed):
    """A topic's papers, one item each, newest digest first; the topic filters' parameters narrow it.

    ``/feeds/<slug>/papers/rss.xml?q=diffusion&not_author=…`` lists what the
    filtered page ``/topics/<slug>/papers/?…`` lists, so a filtered view has its feed.
    """

    def get_object(self, request, slug: str) -> FeedScope:
        return replace(super().get_object(request, slug=slug), filters=PaperFilters.from_query(request.GET))

    def _with_filters(self, scope: FeedScope, url: str) -> str:
        query = scope.filters.querystring()
        return f"{url}?{query}" if query else url

    def title(self, scope: FeedScope) -> str:
        return f"{scope.topic.name} · papers · paperdigest"

    def link(self, scope: FeedScope) -> str:
        if not scope.filters:
            return scope.topic.get_absolute_url()
        return self._with_filters(scope, reverse("digests:topic_papers", kwargs={"slug": scope.topic.slug}))

    def feed_url(self, scope: FeedScope) -> str:
        return self._with_filters(
            scope, reverse(f"feed-topic-papers-{scope.format}", kwargs={"slug": scope.topic.slug})
        )

    def description(self, scope: FeedScope) -> str:
        # Written in the topic's language, as the feed's items and its filtered page are.
        with translation.override(scope.topic.language):
            return _paper_feed_description(scope.topic, scope.filters)

    def items(self, scope: FeedScope):
        papers = topic_papers_matching(scope.topic, scope.filters) if scope.filters else None
        entries = selectors.feed_paper_entries(topic=scope.topic, limit=PAPERS_PER_FEED, papers=papers)
        for entry in entries:
            entry.base_url = scope.base_url
            entry.first_figure = next((f for f in entry.paper.figures.all() if f.image), None)
        return entries

    def item_title(self, entry) -> str:
        return " ".join(entry.paper.title.split())

    def item_link(self, entry) -> str:
        return entry.paper.get_absolute_url()

    def item_guid(self, entry) -> str:
        # The first version's submission date and the arXiv id never change, whatever is regenerated.
        paper = entry.paper
        return f"tag:{_tag_authority()},{paper.published.date().isoformat()}:paper/{entry.digest.topic.slug}/{paper.arxiv_id}"

    def item_description(self, entry) -> str:
        figure = entry.first_figure
        with translation.override(entry.digest.topic.language):
            return render_to_string(
                "digests/_feed_paper.html",
                {
                    "paper": entry.paper,
                    "summary": entry.summary,
                    "content": getattr(entry.paper, "content", None),
                    "figure": figure,
                    "figure_url": _absolute(entry.base_url, figure.image.url) if figure else "",
                    "page_url": f"{entry.base_url}{entry.paper.get_absolute_url()}",
                },
            )

    def item_author_name(self, entry) -> str | None:
        authors = entry.paper.authors
        if not authors:
            return None
        byline = ", ".join(authors[:AUTHORS_IN_BYLINE])
        return f"{byline} et al." if len(authors) > AUTHORS_IN_BYLINE else byline

    def item_pubdate(self, entry):
        return _first_published(entry)

    def item_updateddate(self, entry):
        # A corrected summary moves the item; pipeline bookkeeping on the paper row does not.
        times = [_first_published(entry), entry.paper.updated]
        if entry.summary is not None:
            times.append(entry.summary.updated_at)
        return max(t for t in times if t is not None)

    def item_categories(self, entry):
        return [entry.digest.topic.name, *([entry.paper.primary_category] if entry.paper.primary_category else [])]

    def item_enclosure_url(self, entry) -> str | None:
        figure = entry.first_figure
        return _absolute(entry.base_url, figure.image.url) if figure else None

    def item_enclosure_length(self, entry) -> int:
        try:
            return entry.first_figure.image.size if entry.first_figure else 0
        except OSError:
            return 0

    def item_enclosure_mime_type(self, entry) -> str:
        figure = entry.first_figure
        return (mimetypes.guess_type(figure.image.name)[0] if figure else None) or "image/png"


def _paper_feed_description(topic: Topic, filters: PaperFilters) -> str:
    separator = pgettext("between items of a list", ", ")
    clauses = []
    for prefix, clause in (("", _("including %(filters)s")), ("not_", _("excluding %(filters)s"))):
        shown = [
            str(label) % {"value": f"“{value}”"}
            for name, label in FILTER_LABELS.items()
            if (value := getattr(filters, prefix + name))
        ]
        if shown:
            clauses.append(clause % {"filters": separator.join(shown)})
    if not clauses:
        return _("New arXiv papers on %(topic)s, one item per paper, with their summaries.") % {"topic": topic.name}
    return _("New arXiv papers on %(topic)s, one item per paper, with their summaries, %(filters)s.") % {
        "topic": topic.name,
        "filters": pgettext("between clauses", "; ").join(clauses),
    }


def _first_published(entry):
    return entry.digest.first_published_at or entry.digest.published_at


class PaperRssFeed(PaperFeed):
    def item_pubdate(self, entry):
        # RSS 2.0 items have no update time: readers that notice a correction notice pubDate.
        return self.item_updateddate(entry)


class PaperAtomFeed(PaperFeed):
    feed_type = FullContentAtom1Feed
    format = "atom"
    subtitle = PaperFeed.description
