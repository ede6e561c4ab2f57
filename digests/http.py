"""HTTP caching for public pages: one versioned page cache, and validators for conditional GETs.

``PublicPageCacheMiddleware`` stores the 200 answers of ``public_page`` views
for anonymous readers and answers later requests with them, ahead of the
session, auth and CSRF middleware they do not need. Keys carry the public
cache version, so ``public_cache_invalidate()`` makes every page stale at once.
Django's ``ConditionalGetMiddleware``, outside this one, answers 304 to cached
and fresh pages alike.
"""

from __future__ import annotations

import datetime
import hashlib
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date, quote_etag
from django.utils.text import compress_string

from . import selectors
from .services.cache import ceil_second, public_cache_changed_at, public_cache_version

# Public pages run no script at all (math is MathML, rendered on the server):
# a browser that honours this refuses any script that sanitising might miss.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' https: data:; style-src 'self'"
)


def is_staff_request(request: HttpRequest) -> bool:
    # Without a session cookie nobody is logged in: skip the session lookup.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = request.user
    return bool(user.is_active and user.is_staff)


def validators(*parts: object, changed: list[datetime.datetime | None]) -> tuple[str, datetime.datetime]:
    """Return (ETag, Last-Modified) derived from the data a page shows.

    ``parts`` identify the page state; ``changed`` are its rows' update times.
    The cache version takes part in both, so an invalidation (a hidden figure
    leaves no update time behind) always yields a fresh page.
    """
    version_at = public_cache_changed_at()
    last_modified = ceil_second(max([version_at, *(c for c in changed if c is not None)]))
    digest = hashlib.sha1(repr((public_cache_version(), *parts, *changed)).encode()).hexdigest()
    return quote_etag(digest[:32]), last_modified


def render_in_language(language: str, request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render a public page in ``language`` (a topic's), saying so in Content-Language."""
    with translation.override(language):
        response = render(request, template, context)
    response["Content-Language"] = language
    return response


def month_from_query(value: str) -> datetime.date | None:
    """The first day of a ``?month=YYYY-MM`` parameter, or None when it is not one."""
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        return None


def stamp(response: HttpResponse, *, etag: str, last_modified: datetime.datetime) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def conditional(request: HttpRequest, *, etag: str, last_modified: datetime.datetime) -> HttpResponse | None:
    """Return a 304 response when the client already has this state, else None (before rendering)."""
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    return stamp(response, etag=etag, last_modified=last_modified) if response is not None else None


def public_page(view):
    """Mark a view public: the page cache may keep its anonymous answers; staff's are never kept."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
        if is_staff_request(request):  # staff may be previewing drafts
            add_never_cache_headers(response)
        else:
            patch_cache_control(response, public=True, max_age=0)
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response

    wrapper.is_public_page = True
    return wrapper


@lru_cache(maxsize=4096)
def _is_public_page(path: str, urlconf: str) -> bool:
    # Memoised: resolving costs more than answering from the cache.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "is_public_page", False)


def _page_key(request: HttpRequest) -> str:
    # The language as LocaleMiddleware, which runs later, will pick it (no i18n_patterns here).
    language = translation.get_language_from_request(request)
    url = hashlib.sha1(request.build_absolute_uri().encode()).hexdigest()
    return f"paperdigest:page:{public_cache_version()}:{language}:{url}"


def _page_timeout() -> int:
    # A scheduled digest goes live with no job: nothing cached may outlive that moment.
    timeout = settings.PUBLIC_CACHE_SECONDS
    go_live = selectors.next_scheduled_publish()
    if go_live is not None:
        timeout = min(timeout, max(1, int((go_live - timezone.now()).total_seconds()) + 1))
    return timeout


class PublicPageCacheMiddleware:
    """Answer anonymous GETs of public pages from the cache; store what they render.

    A request with a session cookie (staff may be previewing drafts) passes
    through untouched. Goes after GZipMiddleware, since the key holds only the
    URL and the language: the cache keeps the plain body and, compressed once,
    its gzip form for the clients that accept gzip.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or settings.PUBLIC_CACHE_SECONDS <= 0
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or not _is_public_page(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
        ):
            return self.get_response(request)
        key = _page_key(request)
        hit = cache.get(key)
        if hit is not None:
            status, headers, content, compressed = hit
            if compressed is not None and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
                return _gzipped(status, headers, compressed)
            return HttpResponse(content, status=status, headers=headers)
        # Read before rendering: a digest going live mid-render must still bound the page's life.
        timeout = _page_timeout()
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if not response.has_header("ETag"):
                set_response_etag(response)  # once here, not hashed again for every answer
            content = response.content
            cache.set(key, (response.status_code, dict(response.items()), content, _compressed(content)), timeout)
        return response


def _compressed(content: bytes) -> bytes | None:
    """The body gzipped once for every reader that accepts it, or None when that does not pay.

    Compressing each answer again cost more than answering from the cache
    (bench/pages.py). A public page holds no secret beside reflected input,
    so one compressed copy gives BREACH nothing to learn.
    """
    if len(content) < 200:
        return None
    compressed = compress_string(content)
    return compressed if len(compressed) < len(content) else None


def _gzipped(status: int, headers: dict, compressed: bytes) -> HttpResponse:
    """A cached answer in its stored gzip form, marked as GZipMiddleware marks what it compresses."""
    response = HttpResponse(compressed, status=status, headers=headers)
    patch_vary_headers(response, ("Accept-Encoding",))
    response.headers["Content-Length"] = str(len(compressed))
    response.headers["Content-Encoding"] = "gzip"
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag  # RFC 9110 8.8.1: a weak tag for another encoding
    return response
