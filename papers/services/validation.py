"""Checks a summary against the paper's facts before it can be published.

``summary_validate(*, summary) -> list[dict]`` returns the failed rules as
``{"code", "message", "blocking", "section"}``. Blocking flags keep a digest
from automatic publishing until an editor fixes the text (or overrides).

Codes:
- ``missing_section``: one_line, key_takeaways or method is empty (blocking:
  every entry shows them), or a title owed a translation has none (a note).
  An empty analysis section is no flag: the page omits it.
- ``list_size``: key takeaways not 5–8 (note).
- ``placeholder_text``: error/apology/placeholder text printed as content (blocking).
- ``wrong_language``: the text is not in the language the summary claims
  (blocking), whoever wrote it. A backend stores its summary under the
  language it writes (the extractive one: the paper's own), so an honest
  summary passes and only a model that ignored its instructions, or an edit
  in the wrong language, is flagged.
- ``foreign_reference``: an arXiv id, DOI or URL that is not the paper's own (blocking).
- ``unknown_author``: a person named as an author who is not one (blocking).
- ``unknown_affiliation``: an institution named in the prose that the paper
  never mentions (blocking): the reference digest's "MIT" for an Amazon paper.
- ``unsupported_number``: a number in results/performance that the paper never states (note).
- ``off_topic``: the summary's key terms barely overlap the paper's (blocking).
- ``unsafe_markup``: HTML, script or javascript: URLs, or injected instructions (blocking).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from papers.models import Language, PaperContent, Summary
from papers.text import cjk_share, script_counts

LIST_SECTIONS = ("key_takeaways", "keywords", "method_steps")
REQUIRED_SECTIONS = ("one_line", "key_takeaways", "method")
RESULT_SECTIONS = ("results", "performance")
TAKEAWAYS_MIN, TAKEAWAYS_MAX = 5, 8

PLACEHOLDERS = [
    (re.compile(p, re.IGNORECASE), label)
    for p, label in (
        (r"\bsome error\b", "error text"),
        (r"\berror for \w+", "error text"),
        (r"\blorem ipsum\b", "lorem ipsum"),
        (r"\b(TODO|TBD|FIXME)\b", "TODO marker"),
        (
            r"\bas an ai\b|\bas a language model\b|\bi'?m (sorry|unable)\b|\bi (cannot|can't|am unable to)\b",
            "model apology",
        ),
        (r"\[(insert|placeholder|your)[^\]]*\]|\{\{[^}]*\}\}|<placeholder>", "template slot"),
        (
            r"\bnot (mentioned|provided|available|specified) in the (provided|given) (text|paper|excerpt|content)\b",
            "model hedge",
        ),
        (
            r"抱歉|对不起|作为(一个)?(AI|人工智能|语言模型)|无法(访问|获取|读取|提供)(该|这篇|此|论文|原文|全文|PDF)",
            "model apology",
        ),
        (r"未(提供|找到)(相关|该)?(信息|内容|章节)|(信息|内容)不足", "model hedge"),
    )
]
# Whole-section values that mean "nothing here".
EMPTY_VALUES = re.compile(r"^\s*(n/?a|none|null|nil|unknown|-+|\?+|无|暂无|没有|未知|略)\s*[.。]?\s*$", re.IGNORECASE)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}，。；、）]+", re.IGNORECASE)
_ARXIV_ID = re.compile(
    r"(?<![\d.])(?:arxiv[:\s]*)?((?:0[7-9]|[1-9]\d)(?:0[1-9]|1[0-2])\.\d{4,5})(?:v\d+)?(?![\d])", re.IGNORECASE
)
_OLD_ARXIV_ID = re.compile(r"\b([a-z\-]+(?:\.[A-Z]{2})?/\d{7})\b")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>，。；]+)", re.IGNORECASE)

_NAME_TOKEN = r"[A-Z][a-zA-Z'\-]+|[A-Z]\."
_NAME = rf"(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{1,3}}"
_AUTHOR_LIST = re.compile(
    r"(?:\bauthors?(?:\s+(?:are|is|include))?|\bwritten by|作者(?:们)?(?:是|为|有|包括)?)\s*[:：]?\s*(.+)",
    re.IGNORECASE,
)
_ET_AL = re.compile(rf"({_NAME})\s*(?:et\s+al\b\.?|等人)")
_SPLIT_NAMES = re.compile(r"\s*(?:,|，|、|;|；|\band\b|和|与|及)\s*")

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9\-]*(?:\s[^<>]*)?/?\s*>")
UNSAFE = [
    (re.compile(r"<\s*(script|iframe|object|embed|style|svg|img|a|form|meta|link)\b", re.IGNORECASE), "HTML element"),
    (_TAG, "HTML tag"),
    (re.compile(r"javascript\s*:|vbscript\s*:|data\s*:\s*text/html", re.IGNORECASE), "script URL"),
    (re.compile(r"\bon[a-z]+\s*=\s*[\"']", re.IGNORECASE), "event handler attribute"),
    (
        re.compile(
            r"ignore (all |any )?(the )?(previous|prior|above) (instructions|prompts?)|忽略(之前|以上|前面)的?(所有)?指令",
            re.IGNORECASE,
        ),
        "injected instruction",
    ),
]

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
STOPWORDS = frozenset(
    """the a an and or of to in on for with by from as at is are was were be been this that these those it its
    we our their they which while also can more most than into over such using based via paper work method
    methods approach model models propose proposed results result show shows new novel however both each
    not only other through between without within across has have had will would may""".split()
)


def flag_make(code: str, message: str, *, blocking: bool, section: str = "") -> dict:
    """Return a summary flag as stored in ``Summary.flags``."""
    return {"code": code, "message": message, "blocking": blocking, "section": section}


def _texts(summary: Summary) -> dict[str, str]:
    """Return each section as one string (lists joined by newlines)."""
    out = {}
    for name in Summary.SECTION_FIELDS:
        value = getattr(summary, name)
        out[name] = "\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    return out


def _content(paper) -> PaperContent | None:
    try:
        return paper.content
    except PaperContent.DoesNotExist:
        return None


def _norm_name(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def _is_known_author(name: str, authors: list[str]) -> bool:
    target = _norm_name(name)
    target_set = set(target.split())
    for author in authors:
        known = _norm_name(author)
        # "Zhang Xudong" for "Xudong Zhang", and initials ("J. Wu") are the same person.
        if target == known or target_set == set(known.split()):
            return True
        parts, known_parts = target.split(), known.split()
        if (
            parts
            and known_parts
            and parts[-1] == known_parts[-1]
            and parts[0][:1] == known_parts[0][:1]
            and len(parts[0]) == 1
        ):
            return True
    return False


# -- rules ------------------------------------------------------------------


def check_missing(summary: Summary, texts: dict[str, str]) -> list[dict]:
    flags = []
    # A title needs no translation into the language it is written in.
    untranslated_ok = summary.language == summary.paper.source_language
    for name in Summary.SECTION_FIELDS:
        if name == "translated_title" and untranslated_ok:
            continue
        # An analysis section the paper gives no material for stays empty and the page omits it;
        # only what every entry shows (and a title owed a translation) must be there.
        if not texts[name].strip() and (name in REQUIRED_SECTIONS or name == "translated_title"):
            required = name in REQUIRED_SECTIONS
            flags.append(
                flag_make("missing_section", f"{name.replace('_', ' ')} is empty", blocking=required, section=name)
            )
    count = len(summary.key_takeaways or [])
    if count and not TAKEAWAYS_MIN <= count <= TAKEAWAYS_MAX:
        flags.append(
            flag_make(
                "list_size",
                f"{count} key takeaways; expected {TAKEAWAYS_MIN}–{TAKEAWAYS_MAX}",
                blocking=False,
                section="key_takeaways",
            )
        )
    return flags


def check_placeholders(summary: Summary, texts: dict[str, str]) -> list[dict]:
    flags = []
    for name in Summary.SECTION_FIELDS:
        items = getattr(summary, name) if name in LIST_SECTIONS else [texts[name]]
        for item in items or []:
            item = str(item)
            label = "empty value" if EMPTY_VALUES.match(item) and item.strip() else None
            for pattern, what in PLACEHOLDERS:
                if label is None and pattern.search(item):
                    label = what
            if label:
                flags.append(
                    flag_make(
                        "placeholder_text",
                        f"placeholder text in {name.replace('_', ' ')} ({label}): {item.strip()[:80]}",
                        blocking=True,
                        section=name,
                    )
                )
                break
    return flags


def check_language(summary: Summary, texts: dict[str, str]) -> list[dict]:
    wrong = []
    for name in Summary.SECTION_FIELDS:
        if name == "keywords":  # technical terms are often kept in English
            continue
        cjk, latin = script_counts(texts[name])
        if cjk + latin < 20:
            continue
        share = cjk_share(texts[name])
        if summary.language == Language.ZH_HANS and share < 0.4:
            wrong.append(name)
        elif summary.language == Language.EN and share > 0.2:
            wrong.append(name)
    if not wrong:
        return []
    expected = dict(Language.choices).get(summary.language, summary.language)
    message = f"not written in {expected}: {', '.join(n.replace('_', ' ') for n in wrong)}"
    return [flag_make("wrong_language", message, blocking=True, section=wrong[0])]


def _own_references(paper, content) -> tuple[set[str], set[str], set[str]]:
    ids = {paper.arxiv_id.lower()}
    dois = {paper.doi.lower().rstrip(".")} if paper.doi else set()
    urls = set()
    for text in (paper.abstract, paper.comment, paper.journal_ref):
        urls.update(_url_key(u) for u in _URL.findall(text or ""))
    if content is not None:
        urls.update(_url_key(link["url"]) for link in content.links)
    return ids, dois, urls


def _url_key(url: str) -> str:
    url = re.sub(r"^(https?://)?(www\.)?", "", url.strip().lower())
    return url.rstrip("/.,;:)")


def check_references(summary: Summary, texts: dict[str, str], paper, content) -> list[dict]:
    own_ids, own_dois, own_urls = _own_references(paper, content)
    flags, seen = [], set()

    def report(key: str, what: str, shown: str, section: str) -> None:
        if key not in seen:
            seen.add(key)
            flags.append(
                flag_make(
                    "foreign_reference", f"{what} that is not this paper's: {shown}", blocking=True, section=section
                )
            )

    for name, text in texts.items():
        for url in _URL.findall(text):
            key = _url_key(url)
            arxiv = _ARXIV_ID.search(key) if "arxiv.org" in key else None
            if arxiv and arxiv.group(1).lower() in own_ids:
                continue
            if "doi.org/" in key and key.split("doi.org/", 1)[1] in own_dois:
                continue
            if key in own_urls or any(key.startswith(u) for u in own_urls if u):
                continue
            report(key, "link", url.rstrip(".,;:"), name)
        stripped = _URL.sub(" ", text)
        for match in _ARXIV_ID.finditer(stripped):
            if match.group(1).lower() not in own_ids:
                report(match.group(1).lower(), "arXiv id", match.group(0).strip(), name)
        for match in _OLD_ARXIV_ID.finditer(stripped):
            if match.group(1).lower() not in own_ids:
                report(match.group(1), "arXiv id", match.group(1), name)
        for match in _DOI.finditer(stripped):
            doi = match.group(1).lower().rstrip(".,;:)")
            if doi not in own_dois:
                report(doi, "DOI", match.group(1), name)
    return flags


def check_authors(summary: Summary, texts: dict[str, str], paper, source_text: str) -> list[dict]:
    authors = list(paper.authors or [])
    flags, seen = [], set()

    def report(name: str, section: str) -> None:
        key = _norm_name(name)
        if key and key not in seen and not _is_known_author(name, authors):
            seen.add(key)
            flags.append(flag_make("unknown_author", f"author not in metadata: {name}", blocking=True, section=section))

    for section, text in texts.items():
        for line in re.split(r"[\n。]|(?<=[a-z])\.\s", text):
            listed = _AUTHOR_LIST.search(line)
            if listed:
                for candidate in _SPLIT_NAMES.split(listed.group(1)):
                    name = re.match(_NAME, candidate.strip(" .()（）"))
                    if name:
                        report(name.group(0), section)
        for match in _ET_AL.finditer(text):
            name = match.group(1)
            # A cited work ("Jonathan Ho et al.") named in the paper itself is not an invented author.
            if name.lower() in source_text:
                continue
            report(name, section)
    return flags


# Institutions as models name them in English prose. Chinese names cannot be
# checked against an English PDF, so only a Latin-script name is a claim we verify.
_INSTITUTION = re.compile(
    # Lookarounds, not \b: Chinese characters count as word characters, so "来自MIT的" has no \b.
    r"(?<![A-Za-z0-9])(?:University of(?: [A-Z][\w'&.-]*| of| the| and)+"
    r"|(?:[A-Z][\w'&.-]*\s){1,5}(?:University|Institute of Technology|Institute|College|Laboratory|Laboratories"
    r"|Academy of Sciences|Research(?: Lab| Center| Centre)?)"
    r"|MIT|CMU|UCLA|UCSD|ETH Zurich|KAIST|KAUST|HKUST|CUHK|NTU|NUS|DeepMind|OpenAI|NVIDIA|Microsoft|Google|Meta AI)(?![A-Za-z0-9])"
)


def _tokens(text: str) -> list[str]:
    """Latin words and numbers, accents folded, so names match as whole words and never inside one."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.findall(r"[A-Za-z0-9]+", folded)


class _KnownInstitutions:
    def __init__(self, text: str):
        tokens = _tokens(text)
        self.words = {t for t in tokens}  # case kept: "MIT" the acronym is not "Mit" or "mit"
        self.phrase = " " + " ".join(t.lower() for t in tokens) + " "

    def __contains__(self, name: str) -> bool:
        tokens = _tokens(name)
        if tokens and tokens[0].lower() == "the":
            tokens = tokens[1:]
        if len(tokens) == 1 and tokens[0].isupper():
            return tokens[0] in self.words
        return " " + " ".join(t.lower() for t in tokens) + " " in self.phrase


def check_affiliations(summary: Summary, texts: dict[str, str], content, source_text: str) -> list[dict]:
    known = _KnownInstitutions(source_text + " " + (content.affiliation if content else ""))
    flags, seen = [], set()
    for section, text in texts.items():
        for match in _INSTITUTION.finditer(text):
            name = match.group(0).strip()
            key = " ".join(_tokens(name)).lower()
            if key and name not in known and key not in seen:
                seen.add(key)
                flags.append(
                    flag_make(
                        "unknown_affiliation", f"affiliation not in the paper: {name}", blocking=True, section=section
                    )
                )
    return flags


def _numbers(text: str) -> set[str]:
    found = set()
    for whole, frac in _NUMBER.findall(text):
        whole = whole.replace(",", "")
        frac = (frac or "").rstrip("0")
        found.add(f"{whole}.{frac}" if frac else whole)
    return found


def check_numbers(summary: Summary, texts: dict[str, str], source_text: str) -> list[dict]:
    source = _numbers(source_text)
    flags = []
    for name in RESULT_SECTIONS:
        unsupported = sorted(n for n in _numbers(texts[name]) - source if not (n.isdigit() and int(n) <= 10))
        if unsupported:
            flags.append(
                flag_make(
                    "unsupported_number",
                    f"numbers in {name} not found in the paper: {', '.join(unsupported[:8])}",
                    blocking=False,
                    section=name,
                )
            )
    return flags


def _terms(text: str) -> Counter:
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-]{2,}", text)
    counter: Counter = Counter()
    for word in words:
        word = word.lower()
        if word in STOPWORDS:
            continue
        counter[re.sub(r"(ies|es|s)$", "", word) if len(word) > 4 else word] += 1
    return counter


def check_topic(summary: Summary, texts: dict[str, str], paper) -> list[dict]:
    prose = " ".join(texts[n] for n in Summary.SECTION_FIELDS if n != "translated_title")
    summary_terms = [t for t, _ in _terms(prose).most_common(20)]
    # Chinese summaries keep names and terms in English; with fewer than 5 there is nothing to judge.
    if len(summary_terms) < 5:
        return []
    paper_terms = set(_terms(f"{paper.title} {paper.abstract}"))
    shared = sum(1 for t in summary_terms if t in paper_terms)
    overlap = shared / len(summary_terms)
    if overlap >= 0.25:
        return []
    return [
        flag_make(
            "off_topic",
            f"may be about another paper: only {shared} of its {len(summary_terms)} key terms appear in this paper's abstract",
            blocking=True,
        )
    ]


def check_markup(summary: Summary, texts: dict[str, str]) -> list[dict]:
    flags = []
    for name, text in texts.items():
        for pattern, what in UNSAFE:
            match = pattern.search(text)
            if match:
                flags.append(
                    flag_make(
                        "unsafe_markup",
                        f"{what} in {name.replace('_', ' ')}: {match.group(0)[:60]}",
                        blocking=True,
                        section=name,
                    )
                )
                break
    return flags


def summary_validate(*, summary: Summary) -> list[dict]:
    """Return every failed rule for ``summary``, checked against its paper's facts and text.

    Every backend is held to the same rules: the text is checked against the
    language the summary claims, which is the language its backend wrote.
    """
    paper = summary.paper
    content = _content(paper)
    texts = _texts(summary)
    source_text = " ".join(
        part for part in (paper.title, paper.abstract, paper.comment, content.text if content else "") if part
    )
    for part in (content.sections or {}).values() if content else ():
        if isinstance(part, str):
            source_text += " " + part
    lowered = source_text.lower()
    return [
        *check_missing(summary, texts),
        *check_placeholders(summary, texts),
        *check_language(summary, texts),
        *check_references(summary, texts, paper, content),
        *check_authors(summary, texts, paper, lowered),
        *check_affiliations(summary, texts, content, source_text),
        *check_numbers(summary, texts, source_text),
        *check_topic(summary, texts, paper),
        *check_markup(summary, texts),
    ]
