"""Read a Hexo digest post (ChatPaperFree style) into plain data, without the database.

A post is YAML front matter, a banner naming the model, a day heading and one
``## Title`` block per paper. Each block carries facts written by a script
(authors, abstract, the arXiv PDF link and comment) and prose written by a
model: a one-line summary, key takeaways and a structured analysis whose
shape drifts from paper to paper (Markdown, HTML lists, ``<pre><code>``,
Chinese or English headings). The model's own title/authors/affiliation/link
lines are kept as ``Claims``: evidence to check against the facts, never facts.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field

import yaml

from papers.sections import LIST_SECTIONS, SECTION_FIELDS

# libyaml when present: front matter is a third of the parsing time otherwise.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class HexoParseError(Exception):
    """The post cannot be read; ``line`` is 1-based in the file."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class Claims:
    """What the model wrote about the paper's facts."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    affiliation: str = ""
    urls: list[str] = field(default_factory=list)


@dataclass
class PostPaper:
    line: int
    title: str
    authors: list[str]
    abstract: str
    arxiv_id: str
    version: int
    abs_url: str
    comment: str
    sections: dict
    claims: Claims
    figure_urls: list[str]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"


@dataclass
class Post:
    front_matter: dict
    title: str
    tags: list[str]
    published_at: datetime.datetime
    date: datetime.date
    description: str
    cover: str
    model_name: str
    papers: list[PostPaper]


# --- patterns ---------------------------------------------------------------

ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})$")
ARXIV_URL_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf)/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?",
    re.IGNORECASE,
)
AUTHORS_LINE_RE = re.compile(r"^\*\*\s*Authors?\s*[:：]\s*(?P<names>.*?)\s*\*\*\s*$", re.IGNORECASE)
PDF_LINE_RE = re.compile(r"^\[PDF\]\((?P<url>[^)\s]+)\)\s*(?P<comment>.*)$", re.IGNORECASE)
SUMMARY_MARK_RE = re.compile(r"^\*\*\s*(?:summary|摘要|一句话总结|tl;?dr)\s*[：:]?\s*\*\*\s*$", re.IGNORECASE)
TAKEAWAYS_MARK_RE = re.compile(r"^\*\*\s*(?:key\s+takeaways|关键要点|要点)\s*[：:]?\s*\*\*\s*$", re.IGNORECASE)
STRUCT_MARK_RE = re.compile(r"^\*\*\[[^\]]*\]\([^)]*\)\*\*\s*$")
DAY_HEADING_RE = re.compile(r"^#\s+(\d{4}-\d{2}-\d{2})\b")
BANNER_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")
IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
MD_IMG_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
URL_RE = re.compile(r"https?://[^\s，,、；;<>()（）\"']+", re.IGNORECASE)
BULLET_RE = re.compile(r"^[-*•]\s+(.*)$")
PAREN_ITEM_RE = re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]\s*[:：]?\s*(.*)$")
DOTTED_ITEM_RE = re.compile(r"^(\d{1,2})[.、]\s*(.+)$")
PLACEHOLDER_LINE_RE = re.compile(r"^Some Error for (\w+)", re.IGNORECASE)
BLOCK_TAG_RE = re.compile(
    r"</?(?:ol|ul|li|p|pre|div|br|blockquote|h[1-6]|table|thead|tbody|tr|td|th|hr)\b[^>]*>", re.IGNORECASE
)
ANY_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
FIELD_RE = re.compile(
    r"^(?:\d{1,2}\s*[.、]\s*)?(?P<label>论文标题|标题|title|作者|authors?|第一作者单位|第一作者机构|作者单位|单位|affiliations?"
    r"|关键词|keywords?|论文链接|链接|urls?|links?|摘要|summary|方法|methods?|结论|conclusions?)\s*[：:]\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
FIELD_OF_LABEL = {
    "论文标题": "title",
    "标题": "title",
    "title": "title",
    "作者": "authors",
    "author": "authors",
    "authors": "authors",
    "第一作者单位": "affiliation",
    "第一作者机构": "affiliation",
    "作者单位": "affiliation",
    "单位": "affiliation",
    "affiliation": "affiliation",
    "affiliations": "affiliation",
    "关键词": "keywords",
    "keyword": "keywords",
    "keywords": "keywords",
    "论文链接": "urls",
    "链接": "urls",
    "url": "urls",
    "urls": "urls",
    "link": "urls",
    "links": "urls",
    "摘要": "summary",
    "summary": "summary",
    "方法": "methods",
    "method": "methods",
    "methods": "methods",
    "结论": "conclusion",
    "conclusion": "conclusion",
    "conclusions": "conclusion",
}
PLACEHOLDER_FIELD = {"method": "methods", "methods": "methods", "summary": "summary", "conclusion": "conclusion"}
# Sub-headings the model puts before each numbered summary point ("研究背景：").
SUBLABEL_RE = re.compile(
    r"^(?:[\u4e00-\u9fff ]{1,20}"
    r"|background|research background|prior work|past methods?|previous methods?|methods?|approach"
    r"|results?|performance|problems?)\s*[：:]\s*",
    re.IGNORECASE,
)
CONCLUSION_PART_RE = re.compile(
    r"(?P<label>innovation\s+points?|innovations?|创新点|performance|性能|workload|工作量)\s*[：:]", re.IGNORECASE
)
PART_OF_LABEL = {"创新点": "innovation", "性能": "performance", "工作量": "workload"}
NAME_SPLIT_RE = re.compile(r"\s*(?:[,，、;；]|\band\b)\s*")
KEYWORD_SPLIT_RE = re.compile(r"\s*[·,，、;；]\s*")


def _is_wide(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or "\u3000" <= char <= "\u303f"


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between CJK text, bullets kept on their own lines."""
    out = ""
    previous_bullet = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        bullet = BULLET_RE.match(line)
        if bullet:
            line = f"- {bullet.group(1).strip()}"
        if not out:
            out = line
        elif bullet or previous_bullet:
            out += "\n" + line
        elif _is_wide(out[-1]) or _is_wide(line[0]):
            out += line
        else:
            out += " " + line
        previous_bullet = bool(bullet)
    return out.strip()


def squash_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _strip_end(text: str) -> str:
    return text.strip().rstrip("；;，,").strip()


def parse_arxiv_url(url: str) -> tuple[str, int] | None:
    match = ARXIV_URL_RE.search(url)
    if not match:
        return None
    return match.group("id"), int(match.group("v") or 1)


# --- front matter -----------------------------------------------------------


def _front_matter(lines: list[str]) -> tuple[dict, int]:
    """Return the front matter and the index of the first body line."""
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise HexoParseError(1, "the file is empty")
    if lines[start].strip() != "---":
        raise HexoParseError(start + 1, "no front matter: a post starts with a '---' line")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise HexoParseError(start + 1, "the front matter is never closed with '---'")
    try:
        data = yaml.load("\n".join(lines[start + 1 : end]), Loader=_YamlLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # libyaml may point just past the last line; keep the report inside the front matter.
        line = min(start + 2 + mark.line, max(end, start + 2)) if mark is not None else start + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise HexoParseError(line, f"the front matter is not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise HexoParseError(start + 2, "the front matter is not a mapping of keys to values")
    return data, end + 1


def _post_datetime(value, line: int) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise HexoParseError(line, f"the front matter 'date' is missing or not a date: {value!r}")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    return [str(value).strip()] if str(value).strip() else []


# --- the structured block ---------------------------------------------------


def _structured_lines(raw_lines: list[str]) -> list[str]:
    text = BLOCK_TAG_RE.sub("\n", "\n".join(raw_lines))
    text = ANY_TAG_RE.sub("", text)
    text = html.unescape(text).replace("**", "")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _fields(lines: list[str]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    current = None
    for line in lines:
        placeholder = PLACEHOLDER_LINE_RE.match(line)
        if placeholder:
            # The ChatPaperFree failure text: it stands for the section it names.
            target = PLACEHOLDER_FIELD.get(placeholder.group(1).lower(), current or "methods")
            fields.setdefault(target, []).append(line)
            continue
        match = FIELD_RE.match(line)
        if match:
            current = FIELD_OF_LABEL[match.group("label").lower()]
            fields.setdefault(current, [])
            if match.group("rest").strip():
                fields[current].append(match.group("rest").strip())
            continue
        if current is not None:
            fields[current].append(line)
    return fields


def _numbered(lines: list[str], *, loose: bool = False) -> tuple[list[str], list[list[str]]]:
    """Split lines into a preamble and numbered items ("(1)", "（1）", or with ``loose`` "1." and bullets)."""
    preamble: list[str] = []
    items: list[list[str]] = []
    patterns = [PAREN_ITEM_RE, DOTTED_ITEM_RE, BULLET_RE] if loose else [PAREN_ITEM_RE]
    has_paren = any(PAREN_ITEM_RE.match(line) for line in lines)
    for line in lines:
        match = None
        for pattern in patterns:
            if has_paren and pattern is not PAREN_ITEM_RE:
                continue
            match = pattern.match(line)
            if match:
                break
        if match:
            items.append([match.groups()[-1]])
        elif items:
            items[-1].append(line)
        else:
            preamble.append(line)
    return preamble, items


def _drop_question(lines: list[str]) -> list[str]:
    # "(1)：本工作的意义是什么？" echoes the prompt; the answer follows it.
    lines = [line for line in lines if line.strip()]
    if len(lines) > 1 and lines[0].rstrip().endswith(("？", "?")):
        return lines[1:]
    return lines


def _strip_sublabel(text: str) -> str:
    return SUBLABEL_RE.sub("", text, count=1).strip()


def _conclusion_parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    matches = list(CONCLUSION_PART_RE.finditer(text))
    if not matches:
        return {"innovation": _strip_end(text)} if text.strip() else {}
    preamble = text[: matches[0].start()].strip()
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        label = match.group("label").lower()
        name = PART_OF_LABEL.get(label) or label.split()[0].rstrip("s")
        value = _strip_end(text[match.end() : end])
        if value:
            parts[name] = f"{parts[name]}\n{value}" if name in parts else value
    if preamble and not preamble.endswith(("：", ":", "？", "?")):
        parts["innovation"] = f"{_strip_end(preamble)}\n{parts.get('innovation', '')}".strip()
    return parts


def _split_names(lines: list[str]) -> list[str]:
    if any(NAME_SPLIT_RE.search(line) for line in lines) or len(lines) == 1:
        names = NAME_SPLIT_RE.split(join_lines(lines))
    else:
        names = lines
    cleaned = [re.sub(r"\s*(?:等|et al\.?)\s*$", "", name).strip(" .。") for name in names]
    return [name for name in cleaned if name]


def _structured(raw_lines: list[str]) -> tuple[dict, Claims]:
    fields = _fields(_structured_lines(raw_lines))
    sections: dict = {}
    claims = Claims(
        title=join_lines(fields.get("title", [])),
        authors=_split_names(fields.get("authors", [])),
        affiliation=join_lines(fields.get("affiliation", [])),
        urls=URL_RE.findall("\n".join(fields.get("urls", []))),
    )
    sections["translated_title"] = claims.title
    keywords: list[str] = []
    for line in fields.get("keywords", []):
        keywords.extend(word.strip() for word in KEYWORD_SPLIT_RE.split(line) if word.strip())
    sections["keywords"] = keywords

    preamble, items = _numbered(fields.get("summary", []))
    texts = [_strip_sublabel(join_lines(item)) for item in items]
    if not texts and preamble:
        texts = [join_lines(preamble)]
    for name, text in zip(("background", "prior_work", "method", "results"), texts):
        sections[name] = _strip_end(text)
    if len(texts) > 4:
        sections["results"] = "\n\n".join([sections["results"], *(_strip_end(t) for t in texts[4:])])

    preamble, items = _numbered(fields.get("methods", []), loose=True)
    steps = [_strip_end(join_lines(item)) for item in items]
    if not steps and preamble:
        steps = [_strip_end(line) for line in preamble]
    sections["method_steps"] = [step for step in steps if step]

    preamble, items = _numbered(fields.get("conclusion", []))
    if items:
        sections["significance"] = _strip_end(join_lines(_drop_question(items[0])))
        rest = "\n".join(join_lines(_drop_question(item) if len(item) > 1 else item) for item in items[1:])
        sections.update(_conclusion_parts(rest))
    elif preamble:
        parts = _conclusion_parts(join_lines(preamble))
        sections.update(parts)
    return sections, claims


# --- one paper block --------------------------------------------------------


def _paper(block: list[str], first_line: int) -> PostPaper:
    title = squash_spaces(block[0].lstrip("#"))
    if not title:
        raise HexoParseError(first_line, "a paper heading ('## ') has no title")
    authors_at = next((i for i, line in enumerate(block) if AUTHORS_LINE_RE.match(line.strip())), None)
    if authors_at is None:
        raise HexoParseError(first_line, f"paper block '{title[:60]}' has no '**Authors:…**' line")
    authors = [name.strip() for name in AUTHORS_LINE_RE.match(block[authors_at].strip()).group("names").split(",")]
    authors = [name for name in authors if name]
    pdf_at = next((i for i, line in enumerate(block) if PDF_LINE_RE.match(line.strip())), None)
    if pdf_at is None:
        raise HexoParseError(first_line, f"paper block '{title[:60]}' has no '[PDF](…arxiv.org/abs/…)' link")
    pdf = PDF_LINE_RE.match(block[pdf_at].strip())
    parsed = parse_arxiv_url(pdf.group("url"))
    if parsed is None or not ARXIV_ID_RE.match(parsed[0]):
        raise HexoParseError(first_line + pdf_at, f"the PDF link {pdf.group('url')!r} is not an arXiv link")
    arxiv_id, version = parsed
    if not authors:
        raise HexoParseError(first_line + authors_at, "the '**Authors:**' line names nobody")
    abstract = "\n\n".join(
        squash_spaces(p) for p in "\n".join(block[authors_at + 1 : pdf_at]).split("\n\n") if p.strip()
    )
    abstract = html.unescape(abstract)
    if not abstract:
        raise HexoParseError(first_line + authors_at, f"paper block '{title[:60]}' has no abstract")

    regions: dict[str, list[str]] = {"summary": [], "takeaways": [], "struct": [], "details": []}
    state = None
    for line in block[pdf_at + 1 :]:
        stripped = line.strip()
        if SUMMARY_MARK_RE.match(stripped):
            state = "summary"
        elif TAKEAWAYS_MARK_RE.match(stripped):
            state = "takeaways"
        elif STRUCT_MARK_RE.match(stripped):
            state = "struct"
        elif stripped.lower().startswith("<details"):
            state = "details"
        elif stripped.lower().startswith("</details"):
            state = None
        elif state in (None, "summary", "takeaways") and stripped.lower().startswith("<ol"):
            state = "struct"
            regions["struct"].append(line)
        elif state is not None:
            regions[state].append(line)

    warnings: list[Problem] = []
    sections, claims = _structured(regions["struct"])
    sections["one_line"] = html.unescape(join_lines(regions["summary"]))
    takeaways: list[str] = []
    for line in regions["takeaways"]:
        bullet = BULLET_RE.match(line.strip())
        if bullet:
            takeaways.append(bullet.group(1).strip())
        elif line.strip() and takeaways:
            takeaways[-1] = join_lines([takeaways[-1], line])
    sections["key_takeaways"] = [html.unescape(item) for item in takeaways]
    for name in SECTION_FIELDS:
        sections.setdefault(name, [] if name in LIST_SECTIONS else "")
    if not sections["one_line"]:
        warnings.append(Problem(first_line, "no one-line summary"))
    if not takeaways:
        warnings.append(Problem(first_line, "no key takeaways"))
    if not regions["struct"]:
        warnings.append(Problem(first_line, "no structured analysis"))

    figure_text = "\n".join(regions["details"])
    figure_urls: list[str] = []
    for url in [*IMG_RE.findall(figure_text), *MD_IMG_RE.findall(figure_text)]:
        url = html.unescape(url).strip()
        if url.startswith(("http://", "https://")) and url not in figure_urls:
            figure_urls.append(url)

    return PostPaper(
        line=first_line,
        title=html.unescape(title),
        authors=[html.unescape(name) for name in authors],
        abstract=abstract,
        arxiv_id=arxiv_id,
        version=version,
        abs_url=pdf.group("url"),
        comment=html.unescape(squash_spaces(pdf.group("comment"))),
        sections=sections,
        claims=claims,
        figure_urls=figure_urls,
        warnings=warnings,
    )


# --- the post ---------------------------------------------------------------


def parse_post(text: str) -> Post:
    """Parse a whole post; raise ``HexoParseError`` on the first thing that cannot be read."""
    lines = text.lstrip("\ufeff").splitlines()
    front, body_start = _front_matter(lines)
    published_at = _post_datetime(front.get("date"), 1)
    day = published_at.date()
    model_name = ""
    starts: list[int] = []
    for index in range(body_start, len(lines)):
        line = lines[index]
        if line.startswith("## "):
            starts.append(index)
        elif not starts:
            heading = DAY_HEADING_RE.match(line)
            if heading:
                day = datetime.date.fromisoformat(heading.group(1))
            elif line.startswith(">") and not model_name:
                link = BANNER_LINK_RE.search(line)
                if link:
                    model_name = link.group(1).strip()
    if not starts:
        raise HexoParseError(body_start + 1, "no paper blocks ('## Title') in the post")
    papers: list[PostPaper] = []
    seen: dict[str, int] = {}
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        paper = _paper(lines[start:end], start + 1)
        if paper.arxiv_id in seen:
            raise HexoParseError(
                paper.line, f"arXiv {paper.arxiv_id} appears twice in the post (first at line {seen[paper.arxiv_id]})"
            )
        seen[paper.arxiv_id] = paper.line
        papers.append(paper)
    title = str(front.get("title") or "").strip()
    return Post(
        front_matter=front,
        title=title,
        tags=_as_list(front.get("tags")),
        published_at=published_at,
        date=day,
        description=str(front.get("description") or "").strip(),
        cover=str(front.get("cover") or "").strip(),
        model_name=model_name,
        papers=papers,
    )
