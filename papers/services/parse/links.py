"""Code, project and data links read from the abstract, the comment and the PDF.

Each link has a role: "own" (the paper's code, project page or data) or "uses"
(a tool, library or another paper's code it only uses). The role comes from
where the URL stands and what the sentence around it says, never from the host:
a github.com URL is as often a dependency as the paper's code, and showing
someone else's repository as "Code" is the error to avoid. When the context
says nothing, a body link is "uses" unless its account carries an author's
surname or the repository the paper's short name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from .layout import Line, Span, is_raised
from .layout import fold_ascii as _fold

_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w./])(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org)/)[^\s<>\"'{}|\\^`]+",
    re.I,
)
# "Project page:", "a project page with interactive examples is at": the URL after it is a project page.
_PROJECT_HINT = re.compile(
    r"(?:project\s*page|project\s*website|homepage|webpage|website|demo)"
    r"(?:(?:\s+[\w-]+){0,4}?\s+(?:is|are)\s+(?:at|on)|\s*(?:is|at)?)\s*:?\s*$",
    re.I,
)
HINT_REACH = 80  # characters before a URL that may say what kind of link it is
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


# Words that open a new phrase after a URL ending a line: never the URL's tail.
_PHRASE_WORDS = {
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "index", "into", "is", "it", "keywords",
    "of", "on", "or", "our", "that", "the", "this", "to", "we", "which", "with", "abstract", "introduction",
}  # fmt: skip


def join_broken_urls(text: str, known: Collection[str] = ()) -> str:
    """Re-join URLs that a line break split after a slash, hyphen, underscore, "https:" or a dot in the host.

    ``known`` are the URLs of the PDF's link annotations: where one shows how
    a URL goes on, it decides, not the words.
    """
    # A section number starting the next line ("1 Introduction") is not the URL's tail.
    return re.sub(
        r"((?:https?://|www\.|https?:|(?<![\w./])(?:github|gitlab|bitbucket|huggingface)\.)\S*?[/\-_=&?#:]?)"
        r"\n\s*(?!\d+(?:\.\d+)*\s+[A-Z])([\w\-./~#=&?%]+)(?=(\s*\S{0,3}))",
        lambda m: _join(m, known),
        text,
    )


def _join(m: re.Match, known: Collection[str]) -> str:
    head, tail, after = m.group(1), m.group(2), m.group(3)
    if known and (annotated := _annotated(head, tail, known)) is not None:
        return head + tail if annotated else m.group(0)
    if head.endswith(".") or tail.startswith("."):
        return head + tail if _host_goes_on(head, tail) else m.group(0)
    if not re.search(r"[/\-_=&?#]$|^https?:$", head):
        return m.group(0)
    if head.endswith(":") and not tail.startswith("//"):
        return m.group(0)
    if _starts_phrase(head, tail, after):
        return m.group(0)
    return head + tail


def _annotated(head: str, tail: str, known: Collection[str]) -> bool | None:
    """Does a link annotation's URL go on with the next line (True), end with this one (False), or neither?"""
    joined = _SCHEME.sub("", head + tail).lower()
    if any(joined in uri for uri in known):
        return True
    return False if _SCHEME.sub("", head).lower().rstrip("/") in known else None


_SCHEME = re.compile(r"^https?://", re.I)
# A host goes on at the next line: a label or top-level domain, then its path or the end ("com/isolberg/…", "net").
# Host names are printed in lower case; a capital is the next sentence.
_HOST_TAIL = re.compile(r"\.?([a-z0-9][a-z0-9-]*)(?:\.[a-z0-9-]+)*(/)?")


def _host_goes_on(head: str, tail: str) -> bool:
    """Was the URL broken inside its host, after a dot ("https://github." / "com/…") or before one ("…github" / ".io")?

    url.sty breaks after any dot. A dot ending a line in the path, or after a
    whole host ("example.com." / "next"), ends the sentence instead.
    """
    host = _SCHEME.sub("", head)
    if "/" in host or head.endswith(".") == tail.startswith("."):
        return False
    m = _HOST_TAIL.match(tail)
    if m and m.group(2):
        return True  # the host ends where its path starts
    if not m or m.end() < len(tail.rstrip(".")) or m.group(1) in _PHRASE_WORDS:
        return False
    # Without a path: a dot opening the line, or a host with no dot of its own yet ("yaellevi." / "net").
    return tail.startswith(".") or "." not in host[:-1]


def _starts_phrase(head: str, tail: str, after: str) -> bool:
    """Is the next line's first word prose ("Index Terms", "and we …") rather than the URL's tail?

    URL tails carry URL characters or follow a path that is not complete yet
    (github.com/ with no repository); a plain word after a complete path that
    ends in "/" and is followed by more words is the sentence going on.
    """
    if re.search(r"[/.\-_~#=&?%\d]", tail) or head.endswith(("-", "_", "=", "&", "?", "#", ":")):
        return False
    if tail.lower() in _PHRASE_WORDS:
        return True
    if re.match(r"\s*\d", after) and tail[:1].isupper():
        return True  # "Figure 5", "Table 2", "Section 3": a caption or a sentence, not a path
    if not after.strip() or after.strip()[0] in ".,;:)":
        return False  # the word ends the sentence: more likely the URL's last segment
    parts = urlsplit(head if "://" in head else "https://" + head)
    segments = [s for s in parts.path.split("/") if s]
    host = (parts.hostname or "").lower().removeprefix("www.")
    needed = 2 if host in _CODE_HOSTS or host == "huggingface.co" else 1
    return len(segments) >= needed and tail[:1].isupper()


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
        # An account without a repository is no code link; most often it is a URL
        # cut at a line break whose tail could not be told from the next words.
        if len(segments) < 2 or segments[0].lower() in _GITHUB_NON_REPO:
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
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
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
    if host in ("zenodo.org", "kaggle.com", "figshare.com", "osf.io") or host.endswith(".zenodo.org"):
        return "data"
    if _PROJECT_HINT.search(context):
        return "project"
    return None


# --- own or uses -------------------------------------------------------------

# Numbered ("[12]", "[3, 5]"), "et al." and author-year ("(Hopper, 2020)", "Turing (2021)") citations.
_CITATION = (
    r"\[\d+(?:\s*[,;\u2013-]\s*\d+)*\]|\bet\s+al\b\.?|\([A-Z][^()]{0,60}?,?\s(?:19|20)\d\d[a-z]?\)"
    r"|\b[A-Z][a-z]+\s+\((?:19|20)\d\d[a-z]?\)"
)
# Phrases that say the URL is the paper's own artefact.
_OWN_CUES = re.compile(
    r"\bour\s+(?:[\w-]+\s+)?(?:code|codes|implementation|models?|data|dataset|benchmark|project|"
    r"repository|repo|software|tool|toolkit|library|checkpoints?|weights|scripts?|demo|website|page)\b"
    r"|\bwe\s+(?:will\s+|also\s+)?(?:release|make|provide|open[- ]?source|publish|share|host|archive|deposit|upload)\b"
    r"|\b(?:code|codes|project\s*page|project|homepage|home\s*page|website|webpage|demo|data|dataset|models?|weights|"
    r"checkpoints|repository|github|source\s*code|software)\s*:\s*$",
    re.I,
)
# "… is available at", "… are archived at": the paper's own only when what it speaks of is
# ("The KITTI data set is publicly available at" is someone else's; see _available_is_ours).
_AVAILABLE_CUES = re.compile(
    r"\b(?:is|are|will\s+be|has\s+been|have\s+been)\s+(?:made\s+)?(?:publicly\s+|freely\s+|openly\s+)?"
    r"(?:available|released|open[- ]?sourced|public|archived|deposited)\b"
    r"|\b(?:publicly|freely|openly)\s+available\b"
    r"|\b(?:available|released|hosted|archived|deposited)\s+(?:at|on|in|from|online|here|via|with)\b"
    r"|\b(?:is|are|will\s+be)\s+(?:also\s+)?on\s+(?:the\s+)?(?:hugging\s*face|zenodo|osf|figshare|github|gitlab)\b"
    r"|\b(?:can|could|may)\s+be\s+(?:found|accessed|downloaded|obtained)\s+(?:at|on|in|from|here|via)\b"
    r"|\b(?:code|codes|implementation|repository|project\s*page|website|homepage|webpage|demo)\b[^.]{0,60}?"
    r"\b(?:is|are|lives?)\s+(?:at|on|in|here)\b",
    re.I,
)
_NAMED = re.compile(r"\b[a-z]*[A-Z][\w-]*")
# Words a sentence about the paper's own artefact capitalises: headings and the hosts that archive it.
_NOT_A_NAME = {
    "i", "code", "codes", "github", "gitlab", "project", "page", "appendix", "section", "sec", "supplementary", "url",
    "hugging", "face", "huggingface", "hub", "zenodo", "osf", "figshare",
}  # fmt: skip
# Phrases that say the URL belongs to a tool or to another paper.
_USES_CUES = re.compile(
    r"\b(?:we|i)\s+(?:\w+\s+){0,2}?(?:use|used|uses|employ|employed|adopt|adopted|parse|parsed|build|built|rely|relied|"
    r"leverage|leveraged|follow|followed|borrow|borrowed|apply|applied|run|ran|compare|compared|fine-?tune|"
    r"fine-?tuned|start|started|reuse|reused|obtain|obtained|download|downloaded|thank|extend|extended)\b"
    r"|\b(?:built|build|builds|building|based|bases|relying|implemented|developed|extends)\s+(?:up)?on\b"
    r"|\b(?:adapted|borrowed|taken|adopted|forked|modified|derived)\s+from\b"
    # "available from the national agencies at": words between "from" and the URL name its provider.
    r"|\b(?:available|obtained|obtainable|downloaded|retrieved)\s+from\s+(?!our\b|this\b)(?:the\s+)?\w+"
    r"|\b(?:using|via|with\s+the\s+help\s+of|by\s+means\s+of)\b"
    r"|\b(?:public|official|released|original|open[- ]source|available|existing|reference)\s+"
    r"(?:code|codes|implementation|implementations|repository|checkpoints?|models?|weights)\s+(?:of|from|by|for)\b"
    r"|\b(?:code|implementation|repository|checkpoints?|weights)\s+(?:of|from|released\s+by|provided\s+by|by)\s+"
    r"(?!our\b|this\b)"
    r"|\b(?:provided|released|maintained|published|shared)\s+by\b"
    r"|\b(?:their|the\s+authors\W?)\s+(?:\w+\s+)?(?:code|codes|implementation|models?|checkpoints?|weights|repository)\b"
    r"|\bthe\s+authors\s+of\b"
    r"|\b(?:compared?|comparison)\s+(?:with|to|against)\b"
    r"|\b(?:library|toolkit|package|framework|tool|api|parser|tagger)\b"
    r"|" + _CITATION,
    re.I,
)
_THIRD_PARTY = re.compile(
    r"\b(?:code|implementation|repository|checkpoints?|weights)\s+(?:of|from|by)\s+(?!our\b|this\b)|" + _CITATION, re.I
)
_FIRST_PERSON = re.compile(r"\b(?:our|we|this\s+(?:paper|work))\b", re.I)
_SENTENCE_END = re.compile(r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bFig)(?<!\bEq)[.!?]\s+(?=[A-Z\[(])")


_LINE_END_HYPHEN = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


def _clause(before: str) -> str:
    """The sentence the URL stands in, up to the URL (at most 300 characters of it)."""
    # A word broken at a line end ("avail-" / "able at") is one word to the cues.
    before = _LINE_END_HYPHEN.sub("", before[-300:]).replace("\n", " ")
    ends = list(_SENTENCE_END.finditer(before))
    clause = before[ends[-1].end() :] if ends else before
    # The words before an earlier URL in the sentence were about that URL.
    urls = list(_URL.finditer(clause))
    return clause[urls[-1].end() :] if urls else clause


def context_role(before: str, after: str = "", short: str = "") -> str | None:
    """ "own" or "uses" from the words before the URL, or None when they say nothing.

    The cue nearest the URL decides ("we use X (url), and our code is available at
    url2"), but a sentence about someone else's code ("the official code of [3]
    is available at") stays third-party unless the authors speak of their own.
    ``short`` is the paper's short name, which may name the subject of "… is available".
    """
    clause = _clause(before)
    said = [m.end() for m in _OWN_CUES.finditer(clause)]
    persons = [m.end() for m in _FIRST_PERSON.finditer(clause)]
    own = max(said, default=-1)
    first_person = bool(persons)
    for m in _AVAILABLE_CUES.finditer(clause):
        if _available_is_ours(clause, m, short, said, persons):
            own = max(own, m.end())
    uses = max((m.end() for m in _USES_CUES.finditer(clause)), default=-1)
    if own < 0 and uses < 0:
        cited_after = re.match(r"\W{0,3}(?:" + _CITATION + ")", after)
        return "uses" if cited_after else None
    if uses > own:
        return "uses"
    if _THIRD_PARTY.search(clause) and not first_person:
        return "uses"
    return "own"


# An availability cue after "which", or with no verb right after a comma or a bracket
# (", available at"), speaks of the phrase just before it.
_APPOSITIVE = re.compile(r"(?:(?P<relative>\b(?:which|that|whose\s+[\w-]+))|[,(;\u2013\u2014])\s*$", re.I)
_COPULA = re.compile(r"(?:is|are|will|has|have)\b", re.I)
# Where the subject of "… is available" starts: after the last comma, "and" or the like.
_PHRASE_BREAK = re.compile(r".*(?:[,;:(]|\b(?:and|but|while|whereas)\b)", re.I | re.S)
# "We introduce FooBench": what the authors make is theirs, though it is a name.
_MADE = re.compile(r"\bwe\s+(?:introduce|present|propose|release|contribute)\s+(?:(?:a|an|the|new)\s+)*[\w-]+", re.I)
_PRONOUN = re.compile(r"\s*(?:it|they|this|these|its\s+[\w-]+)?\s*$", re.I)


def _available_is_ours(clause: str, cue: re.Match, short: str, said_at: list[int], persons: list[int]) -> bool:
    """Is what the availability cue speaks of ("… is available at") the paper's own?

    An artefact the authors call theirs ("our code") stays the subject through
    an aside ("our code, unlike that of [3], is available at"). After a bare
    "we", a citation is someone else's work ("we train on CAMELS [5] and the data
    are available at"), and so is a name in the phrase before ", available at"
    ("we implement the LSTM with NeuralHydrology, available at") or in the
    subject of the verb ("we train it in PyTorch and the code is available" is ours);
    what they introduce is theirs ("we introduce FooBench, available at").
    Without the authors speaking, anything named makes it someone else's.
    ``said_at`` and ``persons`` are where the clause's own cues and first persons end.
    """
    start = cue.start()
    lead = clause[:start]
    person = max((end for end in persons if end <= start), default=-1)
    made = (m.end() for m in _MADE.finditer(lead)) if person >= 0 else ()
    said = max((end for ends in (said_at, made) for end in ends if end <= start), default=-1)
    if said < 0 and person < 0:
        return not _names_someone(clause, short)
    aside = _APPOSITIVE.search(lead)
    appositive = aside is not None and (aside["relative"] is not None or not _COPULA.match(cue.group(0)))
    if said >= person and not appositive:
        return True
    since = lead[max(said, person) :]
    if re.search(_CITATION, since):
        return False
    if not appositive:
        subject = since[m.end() :] if (m := _PHRASE_BREAK.match(since)) else since
        if not _PRONOUN.fullmatch(subject):
            since = subject
    return not _names_someone(since, short)


def _names_someone(clause: str, short: str) -> bool:
    """Does the sentence name something (a data set, a tool) other than the paper, past its first word?"""
    words = list(_NAMED.finditer(clause.lstrip(" \t([")))
    for m in words:
        if m.start() == 0:
            continue
        folded = _fold(m.group(0))
        if folded and folded not in _NOT_A_NAME and folded != short:
            return True
    return False


# In the authors' front matter only an explicit third-party sentence outweighs the place.
_EXPLICITLY_THIRD_PARTY = re.compile(
    r"\b(?:we|i)\s+(?:\w+\s+){0,2}?(?:use|used|employ|employed|adopt|adopted|build|built|rely|relied)\s"
    r"|\b(?:built|builds|based)\s+(?:up)?on\b|\b(?:provided|released|maintained)\s+by\b"
    r"|\b(?:compared?|comparison)\s+(?:with|to|against)\b|\b(?:adapted|borrowed|taken|forked)\s+from\b|"
    + _THIRD_PARTY.pattern,
    re.I,
)


def front_role(before: str, after: str = "", short: str = "") -> str:
    """The role of a URL in the abstract, the comment or the title block: own unless its sentence says otherwise."""
    if context_role(before, after, short) == "uses" and _EXPLICITLY_THIRD_PARTY.search(_clause(before)):
        return "uses"
    return "own"


def short_name(title: str) -> str:
    """The paper's short name ("FlexiProbe" in "FlexiProbe: Probing …"), folded, or ""."""
    head, sep, _ = title.partition(":")
    head = head.strip()
    if not sep or not head or len(head.split()) > 2:
        return ""
    folded = _fold(head)
    return folded if len(folded) >= 3 else ""


def owned_by_authors(url: str, authors: list[str], title: str = "") -> bool:
    """Does the URL's account carry an author's surname or the repository the paper's short name?"""
    parts = urlsplit(url)
    host = parts.hostname or ""
    segments = [s for s in parts.path.split("/") if s]
    if host.endswith((".github.io", ".gitlab.io")):
        account, repo = host.split(".")[0], segments[0] if segments else ""
    elif host in _CODE_HOSTS or host == "huggingface.co":
        if host == "huggingface.co" and segments and segments[0] in ("datasets", "spaces"):
            segments = segments[1:]
        account, repo = (segments + ["", ""])[:2]
    else:
        return False
    pieces = [_fold(piece) for piece in re.split(r"[-_.]", account) if piece]
    if any(_account_of(piece, name) for piece in pieces for name in authors):
        return True
    short, repo = short_name(title), _fold(repo)
    return bool(short) and (short == repo or (len(short) >= 4 and short in pieces))


def _account_of(piece: str, author: str) -> bool:
    """Is one piece of an account name ("lovelace" in lovelace-lab, "alovelace") this author's?

    Whole pieces only: "chen" inside "chenfei" is someone else's account.
    """
    words = [_fold(w) for w in author.split()]
    words = [w for w in words if w]
    if not words or len(words[-1]) < 4:
        return False  # short surnames (Li, Wu) name too many accounts
    surname, first = words[-1], words[0]
    initials = "".join(w[0] for w in words[:-1])
    return piece in {
        surname,
        first + surname,
        initials + surname,
        surname + initials,
        surname + first,
        first[:1] + surname,
    }


def _tool_name(before: str, url: str) -> bool:
    """Is the word just before a footnote mark the name of the URL's repository ("spaCy" → explosion/spaCy)?"""
    words = re.findall(r"[\w.+-]+", before[-60:])
    if not words:
        return False
    segments = [s for s in urlsplit(url).path.split("/") if s]
    name = _fold(words[-1])
    return bool(name) and bool(segments) and name == _fold(segments[-1])


def _link(url: str, context: str, role: str, source: str) -> dict | None:
    kind = link_kind(url, context)
    return {"url": url, "kind": kind, "role": role, "source": source} if kind else None


def _urls(text: str) -> Iterator[tuple[str, str, str]]:
    """Each URL we show in the (already joined) text: its canonical form, the text before it and 20 characters after."""
    for m in _URL.finditer(text):
        if url := normalise_url(m.group(0)):
            yield url, text[: m.start()], text[m.end() : m.end() + 20]


def find_links(text: str, source: str) -> list[dict]:
    """Links in the abstract or the arXiv comment: the authors' own words, so "own" unless a sentence says otherwise."""
    out = []
    for url, before, after in _urls(join_broken_urls(text)):
        if link := _link(url, before[-HINT_REACH:], front_role(before, after), source):
            out.append(link)
    return out


# --- the PDF's lines -------------------------------------------------------

_MARK = re.compile(r"^(?:\d{1,2}|[*∗†‡§¶♠♢♡♣♦♥#]{1,3}|[a-z])$")
_INTRODUCTION = re.compile(r"^(?:\d+|[ivx]+)?introduction$")
_INTRODUCTION_OPENS = re.compile(r"^(?:\d+\.?|[IVX]+\.)\s*(?:Introduction|INTRODUCTION|I\s?NTRODUCTION)\b")
FRONT_SHARE = 0.3  # without an Introduction heading, the top 30% of page 1 is the title block


def _is_mark(span: Span, line: Line) -> bool:
    """A footnote mark in the line: one mark's characters, raised or small beside the line."""
    return bool(_MARK.match(span.text.strip())) and is_raised(span, line.size)


def _lone_mark(line: Line, body_size: float) -> bool:
    """A raised mark MuPDF set on a line of its own, apart from the words it follows."""
    return line.size <= 0.8 * body_size and len(line.spans) == 1 and bool(_MARK.match(line.text))


def line_text(line: Line) -> tuple[str, list[str]]:
    """The line's text with footnote marks set apart by spaces, and the marks it carries.

    LaTeX sets a footnote mark right after the word (or URL) it annotates; read
    as one string, "…/repo" and a superscript "1" would give "…/repo1".
    """
    spans = line.spans
    # Most lines carry no mark: no need to look closer. A mark is at most three characters.
    if len(spans) == 1:
        only = spans[0].text.strip()
        marked = len(only) <= 3 and _MARK.match(only)
    else:
        marked = any(_MARK.match(span.text.strip()) for span in spans)
    if not marked:
        return " ".join(line.text.split()), []
    out: list[str] = []
    marks: list[str] = []
    for span in line.spans:
        if _is_mark(span, line):
            marks.append(span.text.strip())
            out.append(f" {span.text.strip()} ")
        else:
            out.append(span.text)
    return re.sub(r"[ \t]+", " ", "".join(out)).strip(), marks


class _Spot(NamedTuple):
    """A body line and where its text stands in the joined body text."""

    line: Line
    offset: int
    text: str
    front: bool  # in page 1's front matter


@dataclass
class _Footnote:
    page: int
    mark: str
    lines: list[Line]
    text: str = ""


def footnote_start(line: Line, body_size: float, page_height: float) -> str | None:
    """The mark opening a footnote line (smaller than the body, low on the page), or None."""
    if line.size > body_size - 0.9 or line.y0 < 0.5 * page_height or not line.spans:
        return None
    first = line.spans[0]
    if _is_mark(first, line):
        return first.text.strip()
    # MuPDF may give a raised mark a line of its own, the footnote's text following on its row.
    return line.text if _lone_mark(line, body_size) else None


def pdf_links(
    lines: list[Line],
    *,
    body_size: float,
    page_heights: dict[int, float],
    authors: list[str],
    title: str,
    annotations: list[tuple[int, tuple[float, float, float, float], str]] = (),
    footnote_marks: dict[int, str] | None = None,
) -> list[dict]:
    """Links in the PDF's body, caption and footnote lines (reference list already left out), with roles.

    A URL is the paper's own when it stands on page 1 before the Introduction
    (title, authors, abstract, title footnotes) or its sentence says so; a
    footnote's URL takes the role of the sentence its mark stands in.
    ``annotations`` are link annotations (page, rect, uri): those whose URL the
    text does not show take the role of the words at their place.
    ``footnote_marks`` (id of a line -> its ``footnote_start``, lines opening no
    footnote left out), when the caller already has them, saves asking again.
    """
    short = short_name(title)
    footnotes: list[_Footnote] = []
    stream: list[str] = []
    spots: list[_Spot] = []
    # (page, mark) -> [(offset, in the front matter)]: where each footnote mark stands in the text
    mark_at: dict[tuple[int, str], list[tuple[int, bool]]] = {}
    front_end = _front_end(lines, page_heights)
    offset = front_chars = 0
    current: _Footnote | None = None
    lone: list[Line] = []
    for i, line in enumerate(lines):
        text, marks = line_text(line)
        if footnote_marks is None:
            mark = footnote_start(line, body_size, page_heights.get(line.page, 792.0))
        else:
            mark = footnote_marks.get(id(line))
        if mark is not None:
            current = _Footnote(line.page, mark, [line], text[len(mark) :].strip())
            footnotes.append(current)
            continue
        if current is not None and not current.text and line.size > body_size - 0.9:
            # A lone mark followed by body-size words was a mark in the body, low on the page.
            footnotes.remove(current)
            lone.append(current.lines[0])
            current = None
        if current is not None and _continues(current, line):
            current.lines.append(line)
            current.text = f"{current.text}\n{text}" if current.text else text
            continue
        current = None
        if _lone_mark(line, body_size):
            lone.append(line)
            continue
        front = i < front_end
        for m in marks:
            pos = f" {text} ".find(f" {m} ")  # the padded index of the space is the mark's index in text
            mark_at.setdefault((line.page, m), []).append((offset + (pos if pos >= 0 else len(text)), front))
        spots.append(_Spot(line, offset, text, front))
        stream.append(text)
        offset += len(text) + 1
        if front:
            front_chars = offset
    body_text = "\n".join(stream)
    for mark in lone:
        if (spot := _row_at(spots, mark)) is not None:
            line, start, text, front = spot
            share = min(max((mark.x0 - line.x0) / max(line.width, 1.0), 0.0), 1.0)
            mark_at.setdefault((mark.page, mark.text), []).append((start + int(share * len(text)), front))
    out: list[dict] = []
    # The annotations' URLs show where a URL broken at a line end goes on.
    known = {_SCHEME.sub("", uri).lower().rstrip("/") for _page, _rect, uri in annotations}
    joined = join_broken_urls(body_text, known)
    # Joining only removes line breaks, so the front matter's end moves by what its own joins removed.
    front_limit = len(join_broken_urls(body_text[:front_chars], known))
    for url, before, after in _urls(joined):
        if len(before) < front_limit:
            role = front_role(before, after, short)
        else:
            role = context_role(before, after, short) or _default_role(url, authors, title)
        if link := _link(url, before[-HINT_REACH:], role, "pdf"):
            out.append(link)
    for note in footnotes:
        for url, before, after in _urls(join_broken_urls(note.text, known)):
            role = context_role(before, after, short) or _footnote_role(note, url, body_text, mark_at, authors, title)
            if link := _link(url, before[-HINT_REACH:], role, "pdf"):
                out.append(link)
    seen = {link["url"].lower() for link in out}
    for page, rect, uri in annotations:
        url = normalise_url(uri)
        if not url or url.lower() in seen:
            continue
        seen.add(url.lower())
        before, anchor, in_front = _text_before(spots, footnotes, page, rect, body_text)
        if in_front:
            role = "own"
        else:
            labelled = _fold(anchor) in _SELF_LABELS
            role = context_role(before, short=short) or ("own" if labelled else _default_role(url, authors, title))
        # The anchor ("project page") says what kind of link it is, as a label before a URL does.
        if link := _link(url, (before + anchor)[-HINT_REACH:], role, "pdf"):
            out.append(link)
    return out


def _continues(note: _Footnote, line: Line) -> bool:
    """Does the line go on with the footnote: its next line, or the rest of its last row?"""
    last = note.lines[-1]
    if line.page != note.page:
        return False
    if abs(line.size - last.size) <= 0.5 and -0.5 * line.size <= line.y0 - last.y1 <= line.size:
        return True
    # The rest of the footnote's first row, set apart ("*Code:" then the URL in typewriter type).
    return (
        line.col == last.col
        and line.x0 >= last.x1 - 1  # justified: the gap may be wide
        and line.y0 <= last.y1 - 0.5 * line.height
    )


# A hyperlinked word that names the paper's artefact ("[code]", "Project page") is a label, as on a title.
_SELF_LABELS = {"code", "sourcecode", "ourcode", "project", "projectpage", "website", "homepage", "webpage", "demo"}


def _row_at(spots: list[_Spot], mark: Line) -> _Spot | None:
    """The body line on a mark's row that reaches up to it (the words the mark follows)."""
    best = None
    for spot in spots:
        line = spot.line
        if line.page != mark.page or min(line.y1, mark.y1) - max(line.y0, mark.y0) < 0.3 * mark.height:
            continue
        if line.x0 <= mark.x0 + 1 and (best is None or line.x1 > best.line.x1):
            best = spot
    return best


def _default_role(url: str, authors: list[str], title: str) -> str:
    """A body URL whose sentence says nothing: own only if it is under an author's or the paper's name."""
    return "own" if owned_by_authors(url, authors, title) else "uses"


def _footnote_role(
    note: _Footnote,
    url: str,
    body_text: str,
    mark_at: dict[tuple[int, str], list[tuple[int, bool]]],
    authors: list[str],
    title: str,
) -> str:
    """A footnote's URL is what its own words ("Code: url") or the sentence carrying its mark say it is."""
    short = short_name(title)
    said = note.text.split(url.split("://", 1)[-1].split("/", 1)[0], 1)[0]
    if (role := context_role(said, short=short)) is not None:
        return role
    found = mark_at.get((note.page, note.mark))
    if not found:
        # No mark to follow: a first-page footnote without one is the title's or the authors'.
        return "own" if note.page == 0 else _default_role(url, authors, title)
    # Affiliation markers ("Ada Lovelace1") and body footnotes share digits; a body
    # mark is the footnote's, the front matter's only when there is no other.
    pos, in_front = next((spot for spot in found if not spot[1]), found[0])
    if in_front:
        return "own"
    before = body_text[:pos]
    if _tool_name(before, url):
        return "own" if short and short == _fold(urlsplit(url).path.split("/")[-1]) else "uses"
    return context_role(before, short=short) or _default_role(url, authors, title)


def _front_end(lines: list[Line], page_heights: dict[int, float]) -> int:
    """Index of the first line after page 1's front matter (title, authors, abstract)."""
    for i, line in enumerate(lines):
        if line.page != 0:
            break
        # The heading may come glued to its first sentence ("1 Introduction Text-to-image …").
        if _INTRODUCTION.match(re.sub(r"[\s.:]", "", line.text).lower()) or _INTRODUCTION_OPENS.match(line.text):
            return i
    # No Introduction heading on page 1: only its title block is front matter.
    height = page_heights.get(0, 792.0)
    for i, line in enumerate(lines):
        if line.page != 0 or line.y1 > FRONT_SHARE * height:
            return i
    return len(lines)


def _text_before(
    spots: list[_Spot],
    footnotes: list[_Footnote],
    page: int,
    rect: tuple[float, float, float, float],
    body_text: str,
) -> tuple[str, str, bool]:
    """The text up to a link annotation's place, the words under it (its anchor), and whether it is front matter.

    An annotation over no text (a linked logo or icon) takes the place of the
    nearest line, within a few lines' distance.
    """
    x0, y0, x1, y1 = rect
    cy = (y0 + y1) / 2
    for note in footnotes:
        for ln in note.lines:
            if ln.page == page and ln.y0 - 1 <= cy <= ln.y1 + 1 and ln.x0 - 2 <= x0 <= ln.x1:
                return note.text, "", False
    nearest: tuple[float, _Spot] | None = None
    for spot in spots:
        line, offset, text, front = spot
        if line.page != page:
            continue
        if line.y0 - 1 <= cy <= line.y1 + 1 and line.x0 - 2 <= x0 <= line.x1:
            # Characters are spread evenly enough over a line to find where the anchor starts.
            start = int((x0 - line.x0) / max(line.width, 1.0) * len(text))
            anchor = "".join(sp.text for sp in line.spans if x0 - 1 <= (sp.bbox[0] + sp.bbox[2]) / 2 <= x1 + 1)
            return body_text[: offset + start], anchor.strip(" .,;:)"), front
        gap = max(line.x0 - x1, x0 - line.x1, 0.0) + max(line.y0 - y1, y0 - line.y1, 0.0)
        if gap <= 3 * line.size and (nearest is None or gap < nearest[0]):
            nearest = (gap, spot)
    if nearest is not None:
        spot = nearest[1]
        return body_text[: spot.offset], "", spot.front
    return "", "", False


def dedupe_links(links: list[dict]) -> list[dict]:
    """One link per URL, in order of first appearance; own if any mention of it says so."""
    kept: dict[str, dict] = {}
    for link in links:
        key = link["url"].lower()
        if key not in kept:
            kept[key] = dict(link)
        elif link.get("role") == "own" and kept[key].get("role") != "own":
            kept[key]["role"] = "own"
    return list(kept.values())
