"""Paragraphs, section headings, the section map and the summarizer's input."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from papers.text import CAPTION_LABEL, tokens_estimate

from .layout import Line, same_row
from .links import join_broken_urls

NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
LETTER = re.compile(r"^(?P<num>[A-H])(?:\.\d{1,2})*\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
INLINE_ABSTRACT = re.compile(r"^abstract\s*(?:[.:—–]|-{1,2})\s*(?=\S)", re.I)

CANONICAL = (
    ("abstract", ("abstract",)),
    ("references", ("references", "bibliography", "reference")),
    ("introduction", ("introduction",)),
    ("related_work", ("related work", "related works", "background", "prior work", "literature review")),
    ("method", ("method", "methods", "methodology", "approach", "proposed", "our model", "framework")),
    ("experiments", ("experiment", "evaluation", "results", "empirical")),
    ("conclusion", ("conclusion", "concluding", "summary and", "conclusions")),
    ("acknowledgments", ("acknowledg",)),
    ("appendix", ("appendix", "supplementary")),
)
KNOWN_UNNUMBERED = {
    "abstract",
    "references",
    "bibliography",
    "introduction",
    "related work",
    "conclusion",
    "conclusions",
    "acknowledgments",
    "acknowledgements",
    "acknowledgment",
    "appendix",
    "discussion",
    "limitations",
}
SUMMARY_PARTS = ("abstract", "introduction", "method", "conclusion")
# Section titles a number can open without any font to tell them apart from the
# sentence that follows on the same line ("4 Experiments We evaluate ...").
GLUED_NUMBERED = re.compile(
    r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>Introduction|Related Work|Background|Methods?|Methodology"
    r"|Approach|Experiments|Experimental Setup|Evaluation|Results|Discussion|Conclusions?|Limitations)"
    r"\s+(?P<rest>[A-Z][a-z]*\b.*)$"
)
# Prefixes that make compounds with a hyphen ("multi-view", "self-supervised",
# "non-parametric"): kept before any word. Weaker ones are also TeX's usual
# hyphenation points ("re-construction"), so they keep it only when the joined
# form is not a word ("co-occurrence", "re-ranking").
COMPOUND_PREFIXES = frozenset(
    "multi self non cross semi quasi pseudo anti intra well zero few coarse state end".split()
)
WEAK_PREFIXES = frozenset("pre re co sub super inter post mid meta ultra over under".split())
# What TeX leaves after a break inside a derived word ("cross-ing", "state-ment").
SUFFIXES = frozenset(
    "ing ings ed er ers es est ly al ally ion ions ness ment ments able ably ible ity ive ives ous ish ic ics ism "
    "ist ists ise ize ised ized ful less ship".split()
)
# Closed compounds of the field that the general word list lacks; without them
# "data-" + "sets" would keep its hyphen whenever the paper never prints "datasets" whole.
CLOSED_COMPOUNDS = frozenset(
    "dataset datasets codebase codebases checkpoint checkpoints timestep timesteps keypoint keypoints tokenizer "
    "tokenizers softmax metadata workflow workflows screenshot screenshots hyperparameter hyperparameters "
    "backpropagation preprocessing postprocessing endpoint endpoints benchmarking".split()
)
# Number words that open a compound ("five-fold", "two-stage") and words that close one ("trade-off",
# "model-based", "pixel-wise"): the word list often has the closed form too ("fivefold", "tradeoff"),
# yet authors write both, so between two common words the hyphen stays unless the closed form is an
# everyday word that TeX broke at a hyphenation point ("nine-teen", "ten-ant", "other-wise", "dis-like").
COMPOUND_HEADS = frozenset("one two three four five six seven eight nine ten hundred thousand".split())
COMPOUND_TAILS = frozenset("off based like wise aware free".split())
EVERYDAY = 1000  # word-list counts above this: a closed form too common to be a compound's other spelling
ITALIC = 2  # MuPDF span flag
RARE = 100  # word-list counts at or below this are too rare to vouch for half a compound
# A word-list word this long is no stray fragment however rare ("maximisation" after "expectation-").
LONG_WORD = 8
_NUMBER = re.compile(r"[-+±]?\d[\d.,%±]*")
_HYPHENS = ("-", "\u2010")  # ASCII and Unicode hyphen
_LINE_END_WORD = re.compile(r"(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)[-\u2010]$")
_LINE_START_WORD = re.compile(r"^(?P<word>[^\W\d_]+)(?P<more>-?)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


@dataclass
class Heading:
    name: str  # canonical key or slug
    title: str
    level: int  # 1 = section, 2 = subsection
    appendix_like: bool = False
    inline_rest: str = ""
    text: str = ""  # the heading as printed, without a run-in sentence after it


@dataclass
class Document:
    text: str
    sections: dict[str, str] = field(default_factory=dict)
    references_at: tuple[int, float, int] | None = None  # (0-based page, y, column) of References


def canonical_name(title: str) -> str:
    low = re.sub(r"\s+", " ", title.lower()).strip(" .:")
    for name, needles in CANONICAL:
        if any(low == n or low.startswith(n + " ") or n in low for n in needles):
            return name
    slug = re.sub(r"[^a-z0-9]+", "_", low).strip("_")
    return slug[:60] or "section"


def detect_heading(line: Line, body_size: float, *, after_references: bool) -> Heading | None:
    text = line.text.strip()
    styled = line.bold or line.size >= body_size + 0.8 or (text.isupper() and len(text) > 3)
    m = INLINE_ABSTRACT.match(text)
    if m and (line.spans[0].bold or line.spans[0].flags & 2 or "—" in text[:12]):
        return Heading("abstract", "Abstract", 1, inline_rest=text[m.end() :], text="Abstract")
    if not styled or len(text) > 90 or len(text.split()) > 12 or text.endswith((",", ";")):
        return _run_in(line, body_size, after_references=after_references)
    heading = _heading_of(text, bold=line.bold, after_references=after_references)
    if heading is None and not line.bold:
        return _run_in(line, body_size, after_references=after_references)
    return heading


def _heading_of(text: str, *, bold: bool, after_references: bool) -> Heading | None:
    low = text.lower().strip(" .:")
    if low in KNOWN_UNNUMBERED:
        return Heading(canonical_name(low), text, 1, text=text)
    m = NUMBERED.match(text)
    if m and not re.search(r"\d\s*$", m.group("title")):
        level = 1 if "." not in m.group("num") else 2
        return Heading(canonical_name(m.group("title")), m.group("title"), level, text=text)
    m = ROMAN.match(text)
    if m and (text.isupper() or bold):
        return Heading(canonical_name(m.group("title")), m.group("title"), 1, text=text)
    m = LETTER.match(text)
    if m and after_references:
        return Heading(canonical_name(m.group("title")), m.group("title"), 1, appendix_like=True, text=text)
    return None


def _run_in(line: Line, body_size: float, *, after_references: bool) -> Heading | None:
    """A heading that shares its line with the first sentence after it.

    Run-in headings (LaTeX's \\paragraph, llncs and ACM subsections) are set in
    bold or a larger size than the sentence; without a font to tell, only a
    number and a usual section title before a capitalised word are taken.
    """
    spans = line.spans
    first = spans[0] if spans else None
    if (
        first is not None
        and not first.flags & ITALIC
        and not line.text[:1].isdigit()
        and round(first.size, 1) < body_size + 0.8
        and not first.bold
    ):
        return None  # most lines: plain type from their first word, no number to open a heading
    strong = 0
    while strong < len(spans) and (spans[strong].bold or round(spans[strong].size, 1) >= body_size + 0.8):
        strong += 1
    italic = 0
    while not strong and italic < len(spans) and spans[italic].flags & ITALIC:
        italic += 1
    if 0 < italic < len(spans):
        # llncs and ACM set \paragraph in italics: only a short title closed by a full stop.
        head = "".join(sp.text for sp in spans[:italic]).strip()
        rest = "".join(sp.text for sp in spans[italic:]).strip()
        if head.endswith(".") and len(head.split()) <= 6 and re.match(r"[A-Z]", head) and rest[:1].isupper():
            title = head.rstrip(" .")
            return Heading(canonical_name(title), title, 3, inline_rest=rest, text=head)
        return None
    if 0 < strong < len(spans):
        head = "".join(sp.text for sp in spans[:strong]).strip()
        rest = "".join(sp.text for sp in spans[strong:]).strip()
        if head and rest and len(head) <= 90 and len(head.split()) <= 12:
            heading = _heading_of(head.rstrip(" ."), bold=True, after_references=after_references)
            if heading is not None and rest[:1].isupper():
                heading.inline_rest, heading.text = rest, head
                return heading
            if heading is None and head.endswith((".", ":")) and re.match(r"[A-Z(]", head) and len(head) > 2:
                # A bold paragraph title ("Datasets.") before its paragraph.
                title = head.rstrip(" .:")
                return Heading(canonical_name(title), title, 3, inline_rest=rest, text=head)
        return None
    m = GLUED_NUMBERED.match(line.text) if line.text[:1].isdigit() else None
    if m and not line.bold:
        level = 1 if "." not in m.group("num") else 2
        title = m.group("title")
        return Heading(
            canonical_name(title), title, level, inline_rest=m.group("rest"), text=f"{m.group('num')} {title}"
        )
    return None


def _pitch(lines: list[Line]) -> float:
    diffs = [
        b.y0 - a.y0
        for a, b in zip(lines, lines[1:])
        if a.page == b.page and a.col == b.col and 0 < b.y0 - a.y0 < 2.5 * max(a.size, 1)
    ]
    return statistics.median(diffs) if diffs else 12.0


@cache
def _dictionary():
    """English word frequencies (pyspellchecker's list), loaded once per process."""
    try:
        from spellchecker import SpellChecker
    except ImportError:  # without it the document's own vocabulary still decides
        return None
    return SpellChecker(distance=1).word_frequency


@dataclass
class Vocabulary:
    """The words a document prints whole, inside its lines (not split at a line end)."""

    words: Counter = field(default_factory=Counter)
    hyphenated: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, texts: list[str]) -> Vocabulary:
        vocab = cls()
        # Leave out both halves of each word split at a line end: they are what is to be decided.
        parts = "\n".join(texts).lower().split("-\n")
        for i in range(len(parts) - 1):
            before, after = parts[i], parts[i + 1]
            parts[i] = before[: max(before.rfind(" "), before.rfind("\n"), 0)]
            ends = [j for j in (after.find(" "), after.find("\n")) if j >= 0]
            parts[i + 1] = after[min(ends) :] if ends else ""
        for token in _WORD.findall(" ".join(parts)):
            (vocab.hyphenated if "-" in token else vocab.words)[token] += 1
        return vocab

    def known(self, word: str, *, common: bool = False, floor: int | None = None) -> bool:
        """Printed whole in the document, or in the word list (``common``: not one of its rarest words).

        ``floor`` asks for more than that many uses in the list instead.
        """
        if self.words[word] or word in CLOSED_COMPOUNDS:
            return True
        dictionary = _dictionary()
        if dictionary is None:
            return False
        # The list's floor (50) holds rare and foreign words ("oise", "lour") that
        # are more often the tail of a broken word than a word of their own.
        if floor is None:
            floor = RARE if common else 0
        # The list is American; papers are often British ("neighbour", "normalise").
        return any(dictionary[w] > floor for w in (word, *_american(word)))


_BRITISH = (
    (r"our(s|ed|ing|hood)?$", r"or\1"),
    (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),
    (r"ys(e|es|ed|ing)$", r"yz\1"),
    (r"tre(s)?$", r"ter\1"),
    (r"ogue(s)?$", r"og\1"),
    (r"ll(ed|ing)$", r"l\1"),
)


def _american(word: str) -> list[str]:
    """The American spellings a British word may stand for in the word list."""
    return [re.sub(pattern, repl, word) for pattern, repl in _BRITISH if re.search(pattern, word)]


def keeps_hyphen(left: str, right: str, vocab: Vocabulary) -> bool:
    """Is the hyphen between ``left`` (before a line end) and ``right`` (after it) part of the word?

    TeX breaks words at hyphenation points and prints a hyphen there; a compound
    ("multi-view", "trajectory-anchored") keeps its own hyphen wherever it breaks.
    The document's own spelling decides first, then whether the joined word is
    a word at all, then whether both halves are.
    """
    left, right = left.lower(), right.lower()
    hyphen_form, joined = f"{left}-{right}", f"{left}{right}"
    if vocab.hyphenated[hyphen_form] or vocab.words[joined]:
        return vocab.hyphenated[hyphen_form] >= vocab.words[joined]
    last = left.rsplit("-", 1)[-1]
    # TeX leaves at least two letters before a break and three after it.
    if len(last) < 2 or len(right) < 3:
        return True
    if right in SUFFIXES or not vocab.known(right):
        return False
    if last in COMPOUND_PREFIXES:
        return True
    if (
        (last in COMPOUND_HEADS or right in COMPOUND_TAILS)
        and vocab.known(last, common=True)
        and vocab.known(right, common=True)
        and not vocab.known(last + right, floor=EVERYDAY)
    ):
        return True
    if vocab.known(last + right) or not vocab.known(right, common=len(right) < LONG_WORD):
        return False
    return last in WEAK_PREFIXES or (len(last) >= 3 and vocab.known(last, common=True))


def join_lines(lines: list[str], vocab: Vocabulary | Callable[[], Vocabulary] | None = None) -> str:
    """Join printed lines into running text, keeping a line-end hyphen only where the word has one.

    A URL cut at a line end is joined without a space, as the link stage reads it.
    ``vocab`` may be a function that builds it: it is called only at a line-end hyphen.
    """
    out = ""
    for text in lines:
        word = out[out.rfind(" ") + 1 :]  # the last word so far: is it a URL the line break cut?
        if not out:
            out = text
        elif ("://" in word or word.startswith("www.")) and "\n" not in (url := join_broken_urls(f"{word}\n{text}")):
            out = out[: len(out) - len(word)] + url
        elif out.endswith("\xad"):  # a soft hyphen only ever marks where the word was broken
            out = out[:-1] + text
        elif out.endswith(_HYPHENS) and text[:1].islower():
            before, after = _LINE_END_WORD.search(out), _LINE_START_WORD.match(text)
            # The vocabulary is built only when a line-end hyphen needs it (most captions have none).
            vocab = vocab() if callable(vocab) else vocab or Vocabulary.of(lines)
            keep = before is not None and after is not None and keeps_hyphen(before["word"], after["word"], vocab)
            out = out + text if keep else out[:-1] + text
        elif out.endswith(_HYPHENS) and out[-2:-1].isalnum() and text[:1].isalnum():
            out = out + text  # "GPT-" + "4", "BERT-" + "Large": a name, never a hyphenation point
        else:
            out = f"{out} {text}"
    return out


def _table_rows(lines: list[Line]) -> set[int]:
    """Ids of lines that are rows of a table the figure stage did not cut out.

    Prose never leaves a gap wider than a word space inside a line; a table row
    is cells apart (separate lines on one row, or one line with wide gaps).
    Two such rows in a row, or one of mostly numbers, are a table.
    """
    rows: list[list[Line]] = []
    for line in lines:
        row = rows[-1] if rows else None
        if row is not None and row[0].page == line.page and row[0].col == line.col and same_row(row[0], line):
            row.append(line)
        else:
            rows.append([line])
    celled = [len(row) > 1 or _cells(row[0]) > 1 for row in rows]
    out: set[int] = set()
    for i, row in enumerate(rows):
        if not celled[i] or any(ln.role != "body" for ln in row):
            continue
        near = any(
            0 <= j < len(rows) and celled[j] and rows[j][0].page == row[0].page and rows[j][0].col == row[0].col
            for j in (i - 1, i + 1)
        )
        if not near:
            words = [w for ln in row for w in ln.text.split()]
            near = sum(1 for w in words if _NUMBER.fullmatch(w)) >= 0.5 * len(words)
        if near:
            out.update(id(ln) for ln in row)
    return out


def _cells(line: Line) -> int:
    spans = line.spans
    if len(spans) < 2:
        return 1
    wide = 1.2 * max(line.size, 1)
    return 1 + sum(1 for a, b in zip(spans, spans[1:]) if b.bbox[0] - a.bbox[2] > wide)


def _body_lines(lines: list[Line]) -> list[Line]:
    """Drop captions (figures keep them) and table rows; a caption that reads as prose stays.

    "Figure 1 plots the error ..." opening a paragraph was taken for a caption
    when its label is followed by a lowercase word and no punctuation.
    """
    out: list[Line] = []
    prose_caption = False
    for line in lines:
        if line.role == "caption":
            m = CAPTION_LABEL.match(line.text)
            if m:
                prose_caption = bool(re.match(r"\s+[a-z]", line.text[m.end("num") :]))
            if not prose_caption:
                continue
        out.append(line)
    table = _table_rows(out)
    return [ln for ln in out if id(ln) not in table]


_ENTRY = re.compile(r"^\[(\d{1,3})\]\s+\S")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _unheaded_references(items: list[tuple[str, object, Line]]) -> int | None:
    """Where a reference list without a heading starts (some classes print none): an entry
    "[1] …" with a year, followed by "[2] …", and no References heading before it."""
    for n, (kind, value, _line) in enumerate(items):
        if kind == "h" and value.name == "references":
            return None
        if kind != "p" or not (m := _ENTRY.match(value)) or m.group(1) != "1":
            continue
        # A hanging indent may split the entry into paragraphs: "[2]" follows within a few.
        entry = [value]
        for k, v, _ in items[n + 1 : n + 6]:
            if k != "p":
                break
            if (m2 := _ENTRY.match(v)) and m2.group(1) == "2":
                if _YEAR.search(" ".join(entry)):
                    return n
                break
            entry.append(v)
    return None


def build_document(lines: list[Line], body_size: float) -> Document:
    """Turn ordered body lines into paragraphs, cut the reference list, map sections."""
    texts = [ln.text for ln in lines]
    # Tokenising the whole document is the costliest step here; most papers break no word at a line end.
    vocab = cache(lambda: Vocabulary.of(texts))
    lines = _body_lines(lines)
    pitch = _pitch(lines)
    items: list[tuple[str, str | Heading, Line]] = []  # ("p", text, first line) | ("h", heading, line)
    para: list[str] = []
    para_first: Line | None = None
    prev: Line | None = None
    after_refs = False

    def flush() -> None:
        nonlocal para, para_first
        if para:
            items.append(("p", join_lines(para, vocab), para_first))
        para, para_first = [], None

    for line in lines:
        heading = detect_heading(line, body_size, after_references=after_refs) if line.role == "body" else None
        if heading:
            flush()
            items.append(("h", heading, line))
            if heading.name == "references":
                after_refs = True
            if heading.inline_rest:
                para, para_first = [heading.inline_rest], line
            prev = line
            continue
        new = prev is None
        if prev is not None and not new:
            if line.page != prev.page or line.col != prev.col:
                new = prev.text.rstrip().endswith((".", ":", "!", "?")) or not line.text[:1].islower()
            else:
                step = line.y0 - prev.y0
                new = step > 1.3 * pitch or step < -2 or line.x0 > prev.x0 + 6 or abs(line.size - prev.size) > 1.2
            # A numbered reference entry opens its own paragraph even without a gap or indent.
            new = new or (_ENTRY.match(line.text) is not None and prev.text.rstrip().endswith("."))
        if new:
            flush()
            para_first = line
        para.append(line.text)
        prev = line
    flush()

    body: list[str] = []
    sections: dict[str, list[str]] = {}
    current: str | None = None
    in_refs = False
    refs_at = None
    seen_method = False
    seen_experiments = False
    unheaded = _unheaded_references(items)
    for n, (kind, value, line) in enumerate(items):
        if n == unheaded:
            in_refs = True
            refs_at = refs_at or (line.page, line.y0, line.col)
        if kind == "h":
            heading: Heading = value
            if heading.level > 1:
                if not in_refs:
                    body.append(heading.text or line.text)
                if current:
                    sections[current].append(heading.text or line.text)
                continue
            name = heading.name
            if name == "references":
                in_refs = True
                refs_at = refs_at or (line.page, line.y0, line.col)
            elif in_refs and (heading.appendix_like or name in ("appendix", "acknowledgments")):
                in_refs = False
            if name == "method":
                seen_method = True
            if name == "experiments":
                seen_experiments = True
            known = {n for n, _ in CANONICAL}
            if name not in known and not seen_method and not seen_experiments and "introduction" in sections:
                # A paper's method section is usually titled after the method itself.
                name = "method"
                seen_method = True
            current = name
            sections.setdefault(current, [])
            if not in_refs:
                body.append(heading.text or line.text)
            continue
        if current:
            sections[current].append(value)
        if not in_refs:
            body.append(value)
    text = "\n\n".join(t for t in body if t.strip())
    return Document(
        text=text,
        sections={k: "\n\n".join(v).strip() for k, v in sections.items() if "".join(v).strip()},
        references_at=refs_at,
    )


def cut_to_tokens(text: str, budget: int) -> str:
    """Return the longest run of whole sentences from the start within ``budget`` tokens."""
    if tokens_estimate(text) <= budget:
        return text
    out = ""
    used = 0
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        # CJK sentences follow each other without a space; Latin ones need one.
        sep = "" if not out or out.endswith(("。", "！", "？")) else " "
        cost = tokens_estimate(sentence) + len(sep)
        if used + cost > budget:
            break
        out += sep + sentence
        used += cost
    return out


def summarizer_input(*, content, token_budget: int) -> str:
    """Return abstract, introduction, method and conclusion cut to fit ``token_budget``.

    Shares are water-filled: short parts keep all their text and what they leave
    goes to the longer ones. Whole sentences only. Falls back to the arXiv
    abstract and the body text when the PDF had no recognisable sections.
    """
    sections = dict(content.sections or {})
    if not sections.get("abstract") and getattr(content, "paper", None) is not None:
        sections["abstract"] = content.paper.abstract
    if "conclusion" not in sections and sections.get("discussion"):
        sections["conclusion"] = sections["discussion"]
    parts = [(name, sections[name]) for name in SUMMARY_PARTS if sections.get(name)]
    if len(parts) <= 1 and content.text:
        parts.append(("text", content.text))
    heads = {name: f"## {name.replace('_', ' ').title()}\n" for name, _ in parts}
    budget = token_budget - sum(tokens_estimate(h) + 1 for h in heads.values())
    need = {name: tokens_estimate(text) for name, text in parts}
    share: dict[str, int] = {}
    left = max(budget, 0)
    pending = sorted(need, key=need.get)
    while pending:
        fair = left // len(pending)
        name = pending.pop(0)
        share[name] = min(need[name], fair)
        left -= share[name]
    chunks = []
    for name, text in parts:
        cut = cut_to_tokens(text, share[name])
        if cut:
            chunks.append(heads[name] + cut)
    return "\n\n".join(chunks)
