import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from digests.feeds import DigestAtomFeed, DigestFeed, PaperAtomFeed, PaperRssFeed
from digests.http import public_page
from digests.sitemaps import SITEMAPS
from digests.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    # Browsers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", serve, {"document_root": settings.STATICFILES_DIRS[0], "path": "favicon.svg"}),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("feeds/rss.xml", public_page(DigestFeed()), name="feed-rss"),
    path("feeds/atom.xml", public_page(DigestAtomFeed()), name="feed-atom"),
    path("feeds/<slug:slug>/rss.xml", public_page(DigestFeed()), name="feed-topic-rss"),
    path("feeds/<slug:slug>/atom.xml", public_page(DigestAtomFeed()), name="feed-topic-atom"),
    # One item per paper, for readers who follow papers rather than days.
    path("feeds/<slug:slug>/papers/rss.xml", public_page(PaperRssFeed()), name="feed-topic-papers-rss"),
    path("feeds/<slug:slug>/papers/atom.xml", public_page(PaperAtomFeed()), name="feed-topic-papers-atom"),
    path("subscribe/", include("subscriptions.urls")),
    path("", include("digests.urls")),
]


def serve_media(request, path):
    # MEDIA_ROOT read per request, not when this module is first imported.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    # Without a CDN or object storage in front, Django serves uploaded figures itself.
    urlpatterns += [re_path(r"^%s(?P<path>.*)$" % re.escape(settings.MEDIA_URL.lstrip("/")), serve_media)]
