"""RSS 2.0 and Atom feeds of published digests, per topic and for all topics.

One item per digest with its full content. GUIDs are ``tag:`` URIs built from
the site, topic and date only, so an editor's fix updates an item in place
instead of announcing a new one.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date, parse_http_date_safe

from papers.models import Topic

from . import selectors
from .presentation import description_shown, summary_banner
from .services.cache import public_cache_changed_at

ITEMS_PER_FEED = 10


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


class DigestFeed(Feed):
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

    def title(self, scope: FeedScope) -> str:
        return f"{scope.topic.name} · paperdigest" if scope.topic else "paperdigest"

    def link(self, scope: FeedScope) -> str:
        return scope.topic.get_absolute_url() if scope.topic else reverse("digests:home")

    def feed_url(self, scope: FeedScope) -> str:
        if scope.topic:
            return reverse(f"feed-topic-{scope.format}", kwargs={"slug": scope.topic.slug})
        return reverse(f"feed-{scope.format}")

    def description(self, scope: FeedScope) -> str:
        if scope.topic:
            return scope.topic.description or f"Daily digest of new arXiv papers on {scope.topic.name}."
        return "Daily digests of new arXiv papers, one per topic."

    def get_feed(self, obj, request):
        # Django reads Feed.language as a plain attribute, never calling it per object,
        # so the topic's language is set on the built feed.
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.topic.language if obj.topic else settings.LANGUAGE_CODE
        return feed

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
        authority = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{authority},{digest.date.isoformat()}:digest/{digest.topic.slug}/{digest.date.isoformat()}"

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
