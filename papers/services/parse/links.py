"""Code, project and data links read from the abstract, the comment and the PDF."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w./])(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org)/)[^\s<>\"'{}|\\^`]+",
    re.I,
)
_PROJECT_HINT = re.compile(
    r"(project\s*page|project\s*website|homepage|webpage|website|demo)\s*(is|at)?\s*:?\s*$", re.I
)
_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}
_EXCLUDED_HOSTS = (
    "arxiv.org",
    "doi.org",
    "dx.doi.org",
    "creativecommons.org",
    "openreview.net",
    "aclanthology.org",
    "image-net.org",
    "cocodataset.org",
    "pytorch.org",
    "tensorflow.org",
    "paperswithcode.com",
    "scholar.google.com",
    "orcid.org",
    "ieee.org",
    "acm.org",
    "springer.com",
    "wikipedia.org",
    "youtube.com",
    "twitter.com",
    "x.com",
)
_GITHUB_NON_REPO = {"features", "about", "pricing", "orgs", "topics", "sponsors", "marketplace", "login"}


def join_broken_urls(text: str) -> str:
    """Re-join URLs that a line break split after a slash, hyphen or underscore."""
    # A section number starting the next line ("1 Introduction") is not the URL's tail.
    return re.sub(
        r"((?:https?://|www\.)\S*[/\-_=&?#])\n\s*(?!\d+(?:\.\d+)*\s+[A-Z])([\w\-./~#=&?%]+)",
        lambda m: m.group(1) + m.group(2),
        text,
    )


def normalise_url(raw: str) -> str | None:
    """Return the canonical https URL, or None for anything we do not show."""
    url = raw.strip().rstrip(".,;:!?)]}>'\"")
    if url.count("(") < url.count(")"):
        url = url.rstrip(")")
    if not re.match(r"^https?://", url, re.I):
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host:
        return None
    if any(host == h or host.endswith("." + h) for h in _EXCLUDED_HOSTS):
        return None
    path = re.sub(r"/+$", "", parts.path)
    if path.endswith(".git"):
        path = path[:-4]
    segments = [s for s in path.split("/") if s]
    if host in ("github.com", "bitbucket.org"):
        if not segments or segments[0].lower() in _GITHUB_NON_REPO:
            return None
        segments = segments[:2]
        path = "/" + "/".join(segments)
    elif host == "huggingface.co":
        if not segments:
            return None
        keep = 3 if segments[0] in ("datasets", "spaces") else 2
        path = "/" + "/".join(segments[:keep])
    query = parts.query if host not in _CODE_HOSTS and host != "huggingface.co" else ""
    return urlunsplit(("https", host, path, query, ""))


def link_kind(url: str, context: str = "") -> str | None:
    host = urlsplit(url).hostname or ""
    path = urlsplit(url).path
    if host == "huggingface.co":
        if path.startswith("/datasets/"):
            return "data"
        if path.startswith("/spaces/"):
            return "project"
        return "code"
    if host in _CODE_HOSTS:
        return "code"
    if host.endswith(".github.io") or host.endswith(".gitlab.io"):
        return "project"
    if host in ("zenodo.org", "kaggle.com", "figshare.com") or host.endswith(".zenodo.org"):
        return "data"
    if _PROJECT_HINT.search(context):
        return "project"
    return None


def find_links(text: str, source: str) -> list[dict]:
    """Return code/project/data links found in free text, in order of appearance."""
    out = []
    text = join_broken_urls(text)
    for m in _URL.finditer(text):
        url = normalise_url(m.group(0))
        if not url:
            continue
        context = text[max(0, m.start() - 40) : m.start()]
        kind = link_kind(url, context)
        if kind:
            out.append({"url": url, "kind": kind, "source": source})
    return out


def annotation_links(uris: list[str]) -> list[dict]:
    out = []
    for uri in uris:
        url = normalise_url(uri)
        if url and (kind := link_kind(url)):
            out.append({"url": url, "kind": kind, "source": "pdf"})
    return out


def dedupe_links(links: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for link in links:
        key = link["url"].lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(link)
    return out
