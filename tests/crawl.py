"""Follow every link an anonymous reader or an admin user can reach, collecting failures instead of stopping."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import feedparser
from django.conf import settings
from django.contrib.staticfiles import finders

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


@dataclass
class Form:
    """A POST form as the page offers it: where it goes and what its hidden fields and button send."""

    page: str
    action: str
    data: dict = field(default_factory=dict)


class _Page(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.scripts = 0
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = Form(page=self.url, action=urljoin(self.url, attrs.get("action") or self.url))
            self.forms.append(self._form)
        if tag in ("button", "input") and attrs.get("formaction") and (attrs.get("formmethod") or "").lower() == "post":
            # A button that posts elsewhere sends its form's hidden fields and its own name.
            hidden = dict(self._form.data) if self._form else {}
            if attrs.get("name"):
                hidden[attrs["name"]] = attrs.get("value") or ""
            self.forms.append(Form(page=self.url, action=urljoin(self.url, attrs["formaction"]), data=hidden))
        elif self._form is not None and attrs.get("name"):
            if tag == "input" and attrs.get("type") in ("hidden", "submit") or tag == "button":
                self._form.data.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _internal(base: str, link: str) -> str | None:
    url = urljoin(base, link)
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL).netloc
    if parts.netloc not in ("", "testserver", site):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_key(url: str) -> tuple:
    """One visit per path and set of query parameters: the admin's sort and filter links combine without end."""
    parts = urlsplit(url)
    return parts.path, frozenset(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))


@dataclass
class Crawl:
    """What one crawl reached: the URLs (one per ``page_key``), the POST forms offered, and the failures."""

    visited: dict[tuple, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    linked_from: dict[str, str] = field(default_factory=dict)

    def fail(self, url: str, what: str) -> None:
        origin = self.linked_from.get(url)
        self.failures.append(f"{url} → {what}" + (f" (linked from {origin})" if origin else ""))


def crawl_site(client, starts, *, allow_scripts: bool = False, prefix: str = "/", limit: int = 3000) -> Crawl:
    """Visit every internal URL under ``prefix`` reachable from ``starts``."""
    result = Crawl()
    queue = []
    for url in starts:
        result.visited.setdefault(page_key(url), url)
        queue.append(url)
    while queue:
        if len(result.visited) > limit:
            result.failures.append(f"crawl stopped after {limit} pages: links without end?")
            break
        url = queue.pop()
        if url.startswith(settings.STATIC_URL):
            # The test client serves no static files: ask the finders, as collectstatic would.
            if not finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0]):
                result.fail(url, "static file missing")
            continue
        try:
            response = client.get(url)
        except Exception as exc:  # a crash is a finding, not the end of the crawl
            result.fail(url, f"{type(exc).__name__}: {exc}")
            continue
        status = result.statuses[url] = response.status_code
        if status in (301, 302, 303, 307, 308):
            links = [response["Location"]]
        elif status >= 400:
            result.fail(url, str(status))
            continue
        else:
            links = _links(url, response, result, allow_scripts)
        for link in links:
            target = _internal(url, link)
            if not target or not target.startswith(prefix) or "/logout/" in target:
                continue
            if page_key(target) not in result.visited:
                result.visited[page_key(target)] = target
                result.linked_from[target] = url
                queue.append(target)
    return result


def crawl(client, starts, **kwargs) -> list[str]:
    """Crawl and return one line per failure."""
    return crawl_site(client, starts, **kwargs).failures


def _links(url: str, response, result: Crawl, allow_scripts: bool) -> list[str]:
    kind = response.get("Content-Type", "")
    if not hasattr(response, "content"):
        return []
    body = response.content.decode(errors="replace")
    if any(payload in body for payload in PAYLOADS) and "markdown" not in kind:
        result.fail(url, "unescaped payload")
    if "html" in kind:
        page = _Page(url)
        try:
            page.feed(body)
            page.close()
        except Exception as exc:
            result.fail(url, f"HTML does not parse: {exc}")
        if page.scripts and not allow_scripts:
            result.fail(url, f"{page.scripts} <script> element(s) in public HTML")
        result.forms += page.forms
        return page.links
    if url.endswith("sitemap.xml") or "sitemap" in url:
        return re.findall(r"<loc>([^<]+)</loc>", body)
    if "rss" in kind or "atom" in kind or url.endswith((".xml",)) and "feed" in url:
        parsed = feedparser.parse(response.content)
        if parsed.bozo:
            result.fail(url, f"feed bozo: {parsed.bozo_exception}")
        links = [entry.get("link", "") for entry in parsed.entries] + [parsed.feed.get("link", "")]
        return [link for link in links if link]
    if "markdown" in kind or url.endswith(".md"):
        return re.findall(r"\]\((/[^)\s]*)\)", body)
    return []
