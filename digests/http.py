"""HTTP caching for public pages: a versioned page cache and conditional GETs.

Anonymous GETs are answered from the cache without touching the database;
each process also keeps its last few pages in memory, under the same
versioned keys. Staff may see drafts, so their responses are never cached
anywhere.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from . import selectors
from .services.cache import ceil_second, public_cache_changed_at, public_cache_version

_KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Content-Language")


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


def conditional(request: HttpRequest, *, etag: str, last_modified: datetime.datetime) -> HttpResponse | None:
    """Return a 304 response when the client already has this state, else None."""
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    if response is not None:
        _stamp(response, etag=etag, last_modified=last_modified)
    return response


def _stamp(response: HttpResponse, *, etag: str, last_modified: datetime.datetime) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())


def stamp(response: HttpResponse, *, etag: str, last_modified: datetime.datetime) -> HttpResponse:
    _stamp(response, etag=etag, last_modified=last_modified)
    return response


def _page_key(request: HttpRequest) -> str:
    # The language as LocaleMiddleware picks it (no i18n_patterns here), so
    # the middleware below, which runs before LocaleMiddleware, gets the same key.
    language = translation.get_language_from_request(request)
    path = hashlib.sha1(f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
    # "page2": entries also hold the parsed Last-Modified and expiry; older ones are ignored.
    return f"paperdigest:page2:{public_cache_version()}:{language}:{path}"


def _cache_timeout() -> int:
    # A scheduled digest goes live with no job: nothing cached may outlive that moment.
    timeout = settings.PUBLIC_CACHE_SECONDS
    go_live = selectors.next_scheduled_publish()
    if go_live is not None:
        timeout = min(timeout, max(1, int((go_live - timezone.now()).total_seconds()) + 1))
    return timeout


# The last pages this process served, by full cache key. A hit here skips
# unpickling (local memory) or fetching (Redis) some 400 KB per request; the
# key carries the shared version token, read on every request, so an
# invalidation from any process still takes effect at once.
_LOCAL_PAGES: OrderedDict[str, tuple] = OrderedDict()
_LOCAL_PAGES_MAX = 16
_local_lock = threading.Lock()


def _local_get(key: str) -> tuple | None:
    with _local_lock:
        hit = _LOCAL_PAGES.get(key)
        if hit is None:
            return None
        if hit[-1] <= time.time():  # past the shared entry's expiry: a scheduled digest may be live
            del _LOCAL_PAGES[key]
            return None
        _LOCAL_PAGES.move_to_end(key)
        return hit


def _local_set(key: str, hit: tuple) -> None:
    with _local_lock:
        _LOCAL_PAGES[key] = hit
        _LOCAL_PAGES.move_to_end(key)
        while len(_LOCAL_PAGES) > _LOCAL_PAGES_MAX:
            _LOCAL_PAGES.popitem(last=False)


def _cached_page(key: str) -> tuple | None:
    """Return (status, headers, content, last_modified, expires_at) of a cached page."""
    hit = _local_get(key)
    if hit is None:
        hit = cache.get(key)
        if hit is not None:
            _local_set(key, hit)
    return hit


def _store_page(key: str, response: HttpResponse, *, headers: dict, last_modified: int | None, timeout: int) -> None:
    hit = (response.status_code, headers, response.content, last_modified, time.time() + timeout)
    cache.set(key, hit, timeout)
    _local_set(key, hit)


def _answer_from(request: HttpRequest, hit: tuple) -> HttpResponse:
    status, headers, content, last_modified, _ = hit
    response = HttpResponse(content, status=status, headers=headers)
    return get_conditional_response(request, etag=response.get("ETag"), last_modified=last_modified, response=response)


class PublicPageCacheMiddleware:
    """Answer anonymous GETs of cached public pages ahead of the rest of the stack.

    Goes right after WhiteNoiseMiddleware. Sessions, locale, CSRF, messages,
    auth and axes then never run for a cached page, which is most of what it
    costs beyond a static file. It stores what ``public_page`` views render,
    with the headers the middleware inside it added, and answers later
    requests with exactly that. Requests with a session cookie (staff may be
    previewing drafts) pass through untouched to ``public_page``. Middleware
    that changes the body by other request headers (GZipMiddleware) must go
    before it, since the key holds only the URL and the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.public_page_key = None  # tells public_page that this middleware is installed
        if (
            request.method not in ("GET", "HEAD")
            or settings.PUBLIC_CACHE_SECONDS <= 0
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or not _is_public_page(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
        ):
            return self.get_response(request)
        key = _page_key(request)
        hit = _cached_page(key)
        if hit is not None:
            return _answer_from(request, hit)
        request.public_page_key = key
        response = self.get_response(request)
        entry = getattr(response, "public_page_entry", None)
        if entry is not None and not response.cookies:
            last_modified, timeout = entry
            _store_page(key, response, headers=dict(response.items()), last_modified=last_modified, timeout=timeout)
        return response


@lru_cache(maxsize=4096)
def _is_public_page(path: str, urlconf: str) -> bool:
    # Memoised: resolving costs more than answering from the cache.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "is_public_page", False)


# Public pages run no script at all (math is MathML, rendered on the server):
# a browser that honours this refuses any script that sanitising might miss.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' https: data:; style-src 'self'"
)


def public_page(view):
    """Cache a public view's 200 responses per URL, language and cache version."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = _public_response(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
        return response

    def _public_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if is_staff_request(request):
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        # With PublicPageCacheMiddleware installed it has looked this page up
        # (and missed) and stores it on the way out, with its final headers.
        installed = hasattr(request, "public_page_key")
        middleware_key = getattr(request, "public_page_key", None)
        use_cache = settings.PUBLIC_CACHE_SECONDS > 0
        key = _page_key(request) if use_cache and middleware_key is None else ""
        hit = _cached_page(key) if key else None
        if hit is not None:
            return _answer_from(request, hit)
        # Read before rendering: a digest going live mid-render must still bound the timeout.
        timeout = _cache_timeout() if use_cache else 0
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):  # a TemplateResponse (the sitemap view)
            response.render()
        if not response.has_header("ETag"):
            set_response_etag(response)
        patch_cache_control(response, public=True, max_age=0)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        last_modified = parse_http_date_safe(response["Last-Modified"]) if "Last-Modified" in response else None
        if use_cache:
            if middleware_key is not None:
                response.public_page_entry = (last_modified, timeout)
            elif not installed:
                kept = (*_KEPT_HEADERS, "Cache-Control", "Vary")
                headers = {name: response[name] for name in kept if response.has_header(name)}
                _store_page(key, response, headers=headers, last_modified=last_modified, timeout=timeout)
        return get_conditional_response(
            request, etag=response.get("ETag"), last_modified=last_modified, response=response
        )

    wrapper.is_public_page = True
    return wrapper
