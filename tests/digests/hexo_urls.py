"""The site's URLs plus the Markdown download, until it is wired into digests/urls.py."""

from django.urls import include, path

import digests.urls  # noqa: F401  (registers the isodate converter)
from digests.views_export import digest_markdown

urlpatterns = [
    path("topics/<slug:slug>/<isodate:date>.md", digest_markdown, name="digest_markdown"),
    path("", include("digests.urls")),
]
