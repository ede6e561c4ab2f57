"""Follow every link an anonymous reader or an admin user can reach, collecting failures instead of stopping."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser
from django.conf import settings
from django.contrib.staticfiles import finders

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _internal(base: str, link: str) -> str | None:
    url = urljoin(base, link)
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL).netloc
    if parts.netloc not in ("", "testserver", site):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, starts, *, allow_scripts: bool = False, prefix: str = "/", limit: int = 3000) -> list[str]:
    """Visit every internal URL under ``prefix`` reachable from ``starts``; return one line per failure."""
    failures: list[str] = []
    queue, seen = list(starts), set(starts)
    while queue and len(seen) < limit:
        url = queue.pop()
        if url.startswith(settings.STATIC_URL):
            # The test client serves no static files: ask the finders, as collectstatic would.
            if not finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0]):
                failures.append(f"{url} → static file missing")
            continue
        try:
            response = client.get(url)
        except Exception as exc:  # a crash is a finding, not the end of the crawl
            failures.append(f"{url} → {type(exc).__name__}: {exc}")
            continue
        status = response.status_code
        if status in (301, 302, 303, 307, 308):
            links = [response["Location"]]
        elif status >= 400:
            failures.append(f"{url} → {status}")
            continue
        else:
            links = _links(url, response, failures, allow_scripts)
        for link in links:
            target = _internal(url, link)
            if target and target.startswith(prefix) and "/logout/" not in target and target not in seen:
                seen.add(target)
                queue.append(target)
    return failures


def _links(url: str, response, failures: list[str], allow_scripts: bool) -> list[str]:
    kind = response.get("Content-Type", "")
    if not hasattr(response, "content"):
        return []
    body = response.content.decode(errors="replace")
    if any(payload in body for payload in PAYLOADS) and "markdown" not in kind:
        failures.append(f"{url} → unescaped payload")
    if "html" in kind:
        parser = _Links()
        try:
            parser.feed(body)
            parser.close()
        except Exception as exc:
            failures.append(f"{url} → HTML does not parse: {exc}")
        if parser.scripts and not allow_scripts:
            failures.append(f"{url} → {parser.scripts} <script> element(s) in public HTML")
        return parser.links
    if url.endswith("sitemap.xml") or "sitemap" in url:
        return re.findall(r"<loc>([^<]+)</loc>", body)
    if "rss" in kind or "atom" in kind or url.endswith((".xml",)) and "feed" in url:
        parsed = feedparser.parse(response.content)
        if parsed.bozo:
            failures.append(f"{url} → feed bozo: {parsed.bozo_exception}")
        links = [entry.get("link", "") for entry in parsed.entries] + [parsed.feed.get("link", "")]
        return [link for link in links if link]
    if "markdown" in kind or url.endswith(".md"):
        return re.findall(r"\]\((/[^)\s]*)\)", body)
    return []
