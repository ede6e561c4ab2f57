"""HTTP caching for public pages: a versioned page cache and conditional GETs.

Anonymous GETs are answered from the cache without touching the database.
Staff may see drafts, so their responses are never cached anywhere.
"""

from __future__ import annotations

import datetime
import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
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
    path = hashlib.sha1(
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()
    ).hexdigest()
    return f"paperdigest:page:{public_cache_version()}:{getattr(request, 'LANGUAGE_CODE', '')}:{path}"


def _cache_timeout() -> int:
    # A scheduled digest goes live with no job: nothing cached may outlive that moment.
    timeout = settings.PUBLIC_CACHE_SECONDS
    go_live = selectors.next_scheduled_publish()
    if go_live is not None:
        timeout = min(timeout, max(1, int((go_live - timezone.now()).total_seconds()) + 1))
    return timeout


def public_page(view):
    """Cache a public view's 200 responses per URL, language and cache version."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if is_staff_request(request):
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        use_cache = settings.PUBLIC_CACHE_SECONDS > 0
        key = _page_key(request) if use_cache else ""
        hit = cache.get(key) if use_cache else None
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            if hasattr(response, "render"):  # a TemplateResponse (the sitemap view)
                response.render()
            if not response.has_header("ETag"):
                set_response_etag(response)
            patch_cache_control(response, public=True, max_age=0)
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
            if use_cache:
                timeout = _cache_timeout()
                kept = (*_KEPT_HEADERS, "Cache-Control", "Vary")
                headers = {name: response[name] for name in kept if response.has_header(name)}
                cache.set(key, (response.status_code, headers, response.content), timeout)
        last_modified = response.get("Last-Modified")
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )

    return wrapper
