"""Facts read from the PDF without a model: first-author affiliation and code links."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from .layout import Line, PageLayout

MARKER_CHARS = "0123456789*†‡§¶∗♯#♮⋆"
_MARKER = re.compile(r"^\s*([0-9]{1,2}|[a-h]|[*†‡§¶∗♯⋆]{1,2})\s*(?=\S)")
_INSTITUTION = re.compile(
    r"universit|institut|college|school|laborator|\blab\b|academy|research|department|dept\.|"
    r"centre|center|inc\.|ltd|corporation|google|microsoft|meta|nvidia|deepmind|openai|alibaba|tencent|"
    r"baidu|bytedance|huawei|amazon|apple|adobe|samsung|sony|ibm|polytechni|faculty|hospital|eth\b|epfl|mit\b",
    re.I,
)
_NOT_AFFILIATION = re.compile(
    r"equal contribution|corresponding|work done|intern at|@|https?://|contributed equally", re.I
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum()).lower()


def _markers_after(line: Line, name_end_span: int, name_size: float) -> list[str]:
    """Collect superscript markers right after the author's name span."""
    out = ""
    for span in line.spans[name_end_span + 1 :]:
        small = span.flags & 1 or span.size < 0.85 * name_size
        if not small:
            break
        out += span.text
    return [m.strip() for m in re.split(r"[,\s]+", out) if m.strip()]


def _find_author_line(lines: list[Line], name: str) -> tuple[Line, int, list[str]] | None:
    """Return the line naming the author, the span index where the name ends, and its markers."""
    parts = name.split()
    if not parts:
        return None
    last = _fold(parts[-1])
    full = _fold(name)
    for line in lines:
        folded = _fold(line.text)
        if last not in folded:
            continue
        acc = ""
        for i, span in enumerate(line.spans):
            acc += _fold(span.text)
            if full in acc or (last in acc and _fold(parts[0])[:1] in acc):
                markers = _markers_after(line, i, span.size)
                tail = span.text.split(parts[-1], 1)[-1] if parts[-1] in span.text else ""
                m = re.match(r"^\s*([0-9,*†‡§¶∗]+)", tail)
                if m:
                    markers = [x for x in re.split(r"[,\s]+", m.group(1)) if x] + markers
                return line, i, markers
    return None


def _leading_marker(line: Line) -> tuple[str, str] | None:
    """Split "¹University of X" into ("1", "University of X")."""
    first = line.spans[0]
    if len(line.spans) > 1 and (first.flags & 1 or first.size < 0.85 * line.spans[1].size):
        marker = first.text.strip()
        if marker and len(marker) <= 3:
            return marker, "".join(s.text for s in line.spans[1:]).strip()
    m = _MARKER.match(line.text)
    if m and line.text[m.end() :][:1].isupper():
        return m.group(1), line.text[m.end() :].strip()
    return None


def _rank(marker: str) -> int:
    return 0 if marker[:1].isalnum() else 1


def first_author_affiliation(layout: PageLayout, authors: list[str], body_size: float) -> tuple[str, str]:
    """Return (affiliation, evidence) for the first author from page 1, or ("", "")."""
    if not authors:
        return "", ""
    lines = sorted((ln for ln in layout.lines if ln.role not in ("furniture", "gutter")), key=lambda ln: (ln.y0, ln.x0))
    top = [ln for ln in lines if ln.y0 < 0.5 * layout.height]
    found = _find_author_line(top, authors[0])
    if not found:
        return "", ""
    author_line, _, markers = found
    stop = next(
        (
            ln.y0
            for ln in lines
            if ln.y0 > author_line.y1
            and re.match(r"^(abstract|1\.?\s+introduction|i\.\s+introduction)\b", ln.text, re.I)
        ),
        0.5 * layout.height,
    )
    other_names = [_fold(a.split()[-1]) for a in authors[1:] if a.split()]
    front = [ln for ln in lines if author_line.y1 - 1 <= ln.y0 < stop and ln is not author_line]
    footer = [ln for ln in lines if ln.y0 > 0.6 * layout.height and ln.size < body_size - 0.4]

    if markers:
        table: dict[str, list[Line]] = {}
        for pool in (front, footer):
            current = None
            for ln in pool:
                lead = _leading_marker(ln)
                if lead:
                    current = lead[0]
                    table.setdefault(current, []).append(ln)
                elif current and table[current] and 0 <= ln.y0 - table[current][-1].y1 < 0.8 * ln.height:
                    table[current].append(ln)
                else:
                    current = None
        for marker in sorted(markers, key=_rank):
            hit = table.get(marker)
            if not hit:
                continue
            text = " ".join([_leading_marker(hit[0])[1]] + [h.text for h in hit[1:]])
            if _NOT_AFFILIATION.search(text) and not _INSTITUTION.search(text):
                continue
            evidence = "\n".join([author_line.text] + [h.text for h in hit])
            return _tidy(text), evidence

    # No markers: the lines under the first author (stacked layouts) or under the author list.
    picked: list[Line] = []
    for ln in front:
        folded = _fold(ln.text)
        if any(n and n in folded for n in other_names) and not _INSTITUTION.search(ln.text):
            if picked:
                break
            continue
        if _NOT_AFFILIATION.search(ln.text):
            if picked:
                break
            continue
        overlaps = min(ln.x1, author_line.x1) - max(ln.x0, author_line.x0) > 0
        if not overlaps:
            continue
        if picked and ln.y0 - picked[-1].y1 > 0.8 * ln.height:
            break
        picked.append(ln)
        if len(picked) >= 3:
            break
    if picked and any(_INSTITUTION.search(p.text) for p in picked):
        text = " ".join(p.text for p in picked)
        return _tidy(text), "\n".join([author_line.text] + [p.text for p in picked])
    return "", ""


# "…, UK. Contact: ada@cam.ac.uk": what follows a contact lead-in is no affiliation.
_CONTACT = re.compile(r"[.,;]?\s*\b(?:contact|e-?mails?|correspondence)\b.*$", re.I)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\S+@\S+", "", text)
    text = _CONTACT.sub("", text)
    return text.strip(" ,;:")[:500]


# --- Links -----------------------------------------------------------------

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
