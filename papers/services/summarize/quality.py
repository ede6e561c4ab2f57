"""How good one summary is, measured against its paper's abstract.

``summary_quality(content, abstract=...)`` reads a summary's sections (the dict
``Summary.content`` holds) and returns a ``SummaryQuality``: word counts,
sentences copied from the abstract, sentences repeated inside the summary,
empty analysis sections, the length and shape rules each section breaks, and
junk left over from PDF extraction (glued headings, captions, table cells,
reference entries, citation brackets, half equations), each with the text
that offends.

This checker is written apart from every summarizer and shares none of their
code, so a summarizer's blind spot is not also the checker's. Every check is
one small function whose docstring says exactly what counts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from papers.sections import ANALYSIS_SECTIONS, LIST_SECTIONS, SECTION_FIELDS

# Sections that are not prose about the paper: they are left out of every count.
NOT_PROSE = frozenset({"keywords", "translated_title"})
CHECKED_SECTIONS = tuple(name for name in SECTION_FIELDS if name not in NOT_PROSE)

ONE_LINE_MAX_WORDS = 35
TAKEAWAY_MAX_WORDS = 40
TAKEAWAYS_MIN, TAKEAWAYS_MAX = 5, 8
TAKEAWAYS_MAX_COPIED = 2
ANALYSIS_MAX_SENTENCES = 3
MAX_WORDS = 350
MAX_ABSTRACT_RATIO = 2.0
NEAR_COPY = 0.8
NEAR_DUPLICATE = 0.7
# Shorter sentences match by chance ("We release the code."), so they are never near-anything.
MIN_NEAR_TOKENS = 5

CONNECTIVES = (
    "therefore",
    "furthermore",
    "thus",
    "however",
    "moreover",
    "in addition",
    "additionally",
    "hence",
    "finally",
    "also",
    "specifically",
    "consequently",
    "nevertheless",
    "nonetheless",
    "besides",
    "meanwhile",
    "in contrast",
    "on the other hand",
    "as a result",
    "for example",
    "for instance",
    "in particular",
    "similarly",
    "likewise",
    "accordingly",
    "otherwise",
    "then",
    "second",
    "secondly",
    "third",
    "thirdly",
    "lastly",
    "in summary",
    "to this end",
    "in this way",
    "subsequently",
    "afterwards",
    "after that",
    "in turn",
    "as such",
    "by doing so",
    "in doing so",
    "based on this",
    "based on these",
    "based on that",
    "to address this",
    "to address these",
    "to solve this",
    "to tackle this",
)
# "Instead, …" and "Next, …" point back; "Instead of …" and "Next-frame …" do not.
_CONNECTIVE = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in CONNECTIVES) + r"|instead(?=\s*,)|next(?=\s*,))\b(?!-)", re.I
)

STOPWORDS = frozenset(
    """a an the and or but nor of to in on at by for from with without into onto over under as is are was were be
    been being it its this that these those we our us they their them he she his her i you your which who whom
    whose what when where while how than then so such can could may might will would shall should must do does
    did has have had not no also very more most less only just both each all any some other many much can via
    per about between through during after before above below up down out off again further here there""".split()
)

HEADING_WORDS = (
    "Abstract",
    "Introduction",
    "Related Work",
    "Related Works",
    "Background",
    "Preliminaries",
    "Preliminary",
    "Method",
    "Methods",
    "Methodology",
    "Approach",
    "Overview",
    "Problem Formulation",
    "Problem Setup",
    "Experiments",
    "Experiment",
    "Experimental Setup",
    "Experimental Results",
    "Implementation Details",
    "Evaluation",
    "Results",
    "Discussion",
    "Analysis",
    "Ablation Study",
    "Ablation Studies",
    "Ablations",
    "Limitations",
    "Conclusion",
    "Conclusions",
    "Future Work",
    "Acknowledgements",
    "Acknowledgments",
    "References",
)
_NAMED_HEADING = re.compile(
    r"^(?P<heading>(?:" + "|".join(re.escape(h) for h in sorted(HEADING_WORDS, key=len, reverse=True)) + r"))"
    r"\s+(?=[A-Z][a-z]*\b(?![.:]))"
)
# "3.1 Overview Specifically, …", "4 Experiments We …", "II. Related Work Prior …": a section
# number, one to five Title-Case words, then the capitalised first word of the body's sentence.
_NUMBERED_HEADING = re.compile(
    r"^(?P<heading>(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+(?:[A-Z][a-z]+(?:[-\s](?:[A-Z][a-z]+|and|of|for|the|in|on))*))"
    r"\s+(?=[A-Z])"
)
# "Temporal Conditioner The encoder …": a Title-Case run (a run-in heading) before a word
# that opens a sentence; prose never puts "The" or "We" right after a capitalised phrase.
_OPENERS = (
    "The|We|Our|This|These|Those|It|Its|In|To|A|An|Given|Unlike|For|Here|Recent|Existing|Most|"
    "Specifically|However|Moreover|Furthermore|First|Finally"
)
_TITLE_RUN_HEADING = re.compile(
    r"^(?!(?:" + _OPENERS + r")\b)(?P<heading>(?:[A-Z][a-z]+(?:-[A-Za-z]+)?\s+){0,3}[A-Z][a-z]+(?:-[A-Za-z]+)?)"
    r"\s+(?=(?:" + _OPENERS + r")\b)"
)
_CAPTION_START = re.compile(r"^(?:Figure|Fig\.|Table|Tab\.)\s*(?:\d+|[IVX]+)[a-z]?\s*[:.|]")
_CAPTION_INSIDE = re.compile(r"\b(?:Figure|Fig\.|Table|Tab\.)\s*(?:\d+|[IVX]+)[a-z]?\s*:")
# "12.3", "-0.5%", "(4.1)", "±", "|": a bracket counts only as a pair, so "(Figure 1)," is no cell.
_NUMBER_TOKEN = re.compile(r"^(?:\([-+±−]?\d[\d.,]*%?\)|[-+±−]?\d[\d.,]*%?)[,;]?$|^[-–—±/|]+$")
VENUES = (
    "NeurIPS|NIPS|ICML|ICLR|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|COLING|AAAI|IJCAI|KDD|SIGIR|SIGGRAPH|WWW|TPAMI|"
    "JMLR|TOG|TACL|IJCV|BMVC|WACV|UAI|AISTATS|CoRL|ICRA|IROS|Interspeech|ICASSP"
)
_REFERENCE = (
    re.compile(r"\bIn Proc(?:eedings|\.) of\b"),
    re.compile(r"\barXiv preprint\b", re.I),
    re.compile(r"\barXiv:\s?\d{4}\.\d{4,5}"),
    re.compile(r"\bet al\.,?\s*(?:19|20)\d{2}[a-z]?\s*[.,]"),
    re.compile(r"\bpp\.\s*\d+\s*[-–]\s*\d+"),
    re.compile(r"\bIn\s+(?:Proc\.\s+)?(?:" + VENUES + r")\b[^.]{0,15}?(?:19|20)\d{2}"),
    re.compile(r"\b(?:" + VENUES + r"),?\s*(?:19|20)\d{2}\s*\.?\s*$"),
    # "[1] R. Rombach": a numbered entry of the list, glued on
    re.compile(r"\[\d+\]\s+[A-Z]\.(?:\s|$)"),
    # "J. Ho, A. Jain, and P. Abbeel": an author list with initials
    re.compile(r"(?:\b[A-Z]\.\s?){1,3}[A-Z][a-z]+,\s(?:and\s)?(?:[A-Z]\.\s?){1,3}[A-Z][a-z]+"),
)
_CITATION = (
    re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]"),
    re.compile(
        r"\((?:e\.g\.,?\s*)?[A-Z][A-Za-z'-]+(?:\s+et al\.|\s+(?:and|&)\s+[A-Z][A-Za-z'-]+)?,?\s+(?:19|20)\d{2}[a-z]?(?:\s*;[^)]*)?\)"
    ),
)
# An enumerator's lone ")" ("1) we train …") is not half a bracket pair.
_ENUMERATOR = re.compile(r"(?:^|\s)(?:\d{1,2}|[a-z]|[ivx]{1,4})$")
_PAIRS = {")": "(", "]": "[", "}": "{"}
_TRAILING_OPERATOR = re.compile(r"(?:[=+*/^_<>≤≥∈×·−\\]|\s-)\s*[.:;,]?\s*$")
_LONE_SYMBOL = re.compile(r"^(?:[=+*/^_<>≤≥∈∑∏∫∂∇×·−|~]|\\[a-z]+|[α-ωΑ-Ω])$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of one section; ``item`` is its list item's index (0 for prose)."""

    section: str
    item: int
    text: str


@dataclass(frozen=True)
class Flag:
    """One thing wrong: its kind, where it is and the text that offends.

    Kinds: ``copy`` and ``near_copy`` (from the abstract), ``duplicate`` and
    ``near_duplicate`` (of an earlier sentence of the summary), ``rule:<name>``
    (a limit broken) and ``junk:<pattern>`` (extraction debris).
    """

    kind: str
    section: str
    text: str
    detail: str = ""


@dataclass
class SummaryQuality:
    """One summary measured: word counts, its sentences, empty analysis sections and every flag raised.

    ``copied`` … ``near_duplicates`` count sentences; ``junk`` and
    ``violations`` list flags (a sentence may match several junk patterns).
    """

    summary_words: int
    abstract_words: int
    sentences: list[Sentence] = field(default_factory=list)
    empty_sections: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def of_kind(self, prefix: str) -> list[Flag]:
        return [f for f in self.flags if f.kind == prefix or f.kind.startswith(prefix + ":")]

    @property
    def copied(self) -> int:
        return len(self.of_kind("copy"))

    @property
    def near_copied(self) -> int:
        return len(self.of_kind("near_copy"))

    @property
    def duplicates(self) -> int:
        return len(self.of_kind("duplicate"))

    @property
    def near_duplicates(self) -> int:
        return len(self.of_kind("near_duplicate"))

    @property
    def junk(self) -> list[Flag]:
        return self.of_kind("junk")

    @property
    def violations(self) -> list[Flag]:
        return self.of_kind("rule")

    def rule_counts(self) -> Counter:
        return Counter(f.kind.removeprefix("rule:") for f in self.violations)

    def flags_for(self, sentence: Sentence) -> list[Flag]:
        return [f for f in self.flags if f.section == sentence.section and f.text == sentence.text]


# --- text ------------------------------------------------------------------


@cache
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences_split(text: str) -> list[str]:
    """Split prose into sentences with pysbd, then undo its false breaks.

    pysbd breaks after abbreviations such as "Eq.", "Tab." or "et al." when a
    "(2)", "[4]" or a number follows; a real sentence never starts with a
    bracket, a digit or a lowercase letter, so such a segment joins the one
    before it.
    """
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        return []
    out: list[str] = []
    for segment in _segmenter().segment(text):
        segment = segment.strip()
        if not segment:
            continue
        if out and (segment[0] in "([" or segment[0].isdigit() or segment[0].islower()):
            out[-1] = f"{out[-1]} {segment}"
        else:
            out.append(segment)
    return out


def words(text: str) -> int:
    """Whitespace-separated tokens holding at least one letter or digit."""
    return sum(1 for token in (text or "").split() if any(c.isalnum() for c in token))


def tokens(text: str) -> list[str]:
    """Lowercased runs of letters and digits: the normal form sentences are compared in."""
    return re.findall(r"[^\W_]+", (text or "").lower())


def normal(text: str) -> str:
    """The sentence as its tokens joined by single spaces: case and punctuation do not count."""
    return " ".join(tokens(text))


def content_words(text: str) -> set[str]:
    """Distinct tokens of two or more characters that are not stop words."""
    return {t for t in tokens(text) if t not in STOPWORDS and len(t) > 1}


def summary_sentences(content: dict) -> list[Sentence]:
    """Every sentence of the prose and list sections, keywords and translated title left out."""
    out = []
    for name in CHECKED_SECTIONS:
        value = content.get(name)
        items = (value or []) if name in LIST_SECTIONS else [value or ""]
        for index, item in enumerate(items):
            out.extend(Sentence(name, index, s) for s in sentences_split(str(item)))
    return out


def summary_words(content: dict) -> int:
    """Words of every prose section and list item, keywords and translated title left out."""
    total = 0
    for name in CHECKED_SECTIONS:
        value = content.get(name)
        items = (value or []) if name in LIST_SECTIONS else [value or ""]
        total += sum(words(str(item)) for item in items)
    return total


# --- copies and repeats ----------------------------------------------------


def is_copy(sentence: str, abstract_normal: str) -> bool:
    """The sentence, normalised, appears word for word in the normalised abstract (5+ words)."""
    s = normal(sentence)
    return len(s.split()) >= MIN_NEAR_TOKENS and f" {s} " in f" {abstract_normal} "


def copy_overlap(sentence: str, abstract_sentences: list[str]) -> float:
    """The largest share of the sentence's distinct tokens found in one abstract sentence."""
    mine = set(tokens(sentence))
    if len(mine) < MIN_NEAR_TOKENS:
        return 0.0
    return max((len(mine & set(tokens(a))) / len(mine) for a in abstract_sentences), default=0.0)


def near_duplicate(a: str, b: str) -> bool:
    """Content words overlap by Jaccard >= 0.7, or one sentence's content words all lie in the other's.

    Both sentences need MIN_NEAR_TOKENS tokens; containment needs at least 4
    content words in the smaller one, so "We release code." never matches.
    """
    if len(tokens(a)) < MIN_NEAR_TOKENS or len(tokens(b)) < MIN_NEAR_TOKENS:
        return False
    ca, cb = content_words(a), content_words(b)
    if not ca or not cb:
        return False
    if len(ca & cb) / len(ca | cb) >= NEAR_DUPLICATE:
        return True
    small, large = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
    return len(small) >= 4 and small <= large


def copies_find(sentences: list[Sentence], abstract: str) -> list[Flag]:
    """Each sentence copied from the abstract (``copy``) or nearly so (``near_copy``: >= 0.8 token overlap).

    A glued heading is left out of the comparison: it is junk of its own.
    """
    abstract_normal = normal(abstract)
    abstract_sentences = sentences_split(abstract)
    out = []
    for s in sentences:
        text = without_heading(s.text)
        if is_copy(text, abstract_normal):
            out.append(Flag("copy", s.section, s.text))
        else:
            overlap = copy_overlap(text, abstract_sentences)
            if overlap >= NEAR_COPY:
                out.append(Flag("near_copy", s.section, s.text, f"{overlap:.2f} of its tokens"))
    return out


def duplicates_find(sentences: list[Sentence]) -> list[Flag]:
    """Each sentence equal (``duplicate``) or close (``near_duplicate``) to an earlier one, in any section."""
    out = []
    seen: list[Sentence] = []
    for s in sentences:
        same = next((e for e in seen if normal(e.text) == normal(s.text)), None)
        if same is not None:
            out.append(Flag("duplicate", s.section, s.text, f"of {same.section}"))
        else:
            close = next((e for e in seen if near_duplicate(e.text, s.text)), None)
            if close is not None:
                out.append(Flag("near_duplicate", s.section, s.text, f"of {close.section}: {close.text[:60]}"))
        seen.append(s)
    return out


def empty_sections(content: dict) -> list[str]:
    """Analysis sections that are missing or hold only whitespace."""
    return [name for name in ANALYSIS_SECTIONS if not str(content.get(name) or "").strip()]


# --- rules -----------------------------------------------------------------


def one_line_rules(text: str) -> list[Flag]:
    """one_line is exactly one sentence of at most 35 words that does not open with a connective."""
    out = []
    parts = sentences_split(text)
    if len(parts) != 1:
        out.append(Flag("rule:one_line_sentences", "one_line", text, f"{len(parts)} sentences"))
    if words(text) > ONE_LINE_MAX_WORDS:
        out.append(Flag("rule:one_line_words", "one_line", text, f"{words(text)} words"))
    if _CONNECTIVE.match(text.strip()):
        out.append(Flag("rule:one_line_connective", "one_line", text))
    return out


def takeaway_rules(items: list[str], abstract: str) -> list[Flag]:
    """5 to 8 takeaways, each one sentence of at most 40 words; at most two copied (or near-copied) from the abstract."""
    out = []
    if not TAKEAWAYS_MIN <= len(items) <= TAKEAWAYS_MAX:
        out.append(Flag("rule:takeaways_count", "key_takeaways", "", f"{len(items)} items"))
    copied = []
    abstract_normal, abstract_sentences = normal(abstract), sentences_split(abstract)
    for item in items:
        parts = sentences_split(item)
        if len(parts) != 1:
            out.append(Flag("rule:takeaway_sentences", "key_takeaways", item, f"{len(parts)} sentences"))
        if words(item) > TAKEAWAY_MAX_WORDS:
            out.append(Flag("rule:takeaway_words", "key_takeaways", item, f"{words(item)} words"))
        bare = [without_heading(p) for p in parts]
        if any(is_copy(p, abstract_normal) or copy_overlap(p, abstract_sentences) >= NEAR_COPY for p in bare):
            copied.append(item)
    if len(copied) > TAKEAWAYS_MAX_COPIED:
        out.append(
            Flag("rule:takeaways_copied", "key_takeaways", "", f"{len(copied)} of {len(items)} from the abstract")
        )
    return out


def analysis_rules(content: dict) -> list[Flag]:
    """Each analysis section is empty or holds one to three sentences."""
    out = []
    for name in ANALYSIS_SECTIONS:
        count = len(sentences_split(str(content.get(name) or "")))
        if count > ANALYSIS_MAX_SENTENCES:
            out.append(Flag("rule:section_sentences", name, "", f"{count} sentences"))
    return out


def length_rules(total: int, abstract_words: int) -> list[Flag]:
    """The whole summary stays under twice the abstract's words and under 350 words."""
    out = []
    if abstract_words and total >= MAX_ABSTRACT_RATIO * abstract_words:
        out.append(Flag("rule:vs_abstract", "", "", f"{total} words for a {abstract_words}-word abstract"))
    if total >= MAX_WORDS:
        out.append(Flag("rule:total_words", "", "", f"{total} words"))
    return out


# --- junk ------------------------------------------------------------------


def dangling_connective(text: str) -> str | None:
    """The sentence opens with a connective ("Therefore, …", "In addition …") that points at a sentence not there."""
    m = _CONNECTIVE.match(text.strip())
    return m.group(0) if m else None


def glued_heading(text: str) -> str | None:
    """A section heading runs into the sentence: "3.1 Overview Specifically, …", "Introduction Recent …".

    Counts a section number with Title-Case words before a capitalised word;
    a known heading word ("Introduction", "Related Work", …) followed by a
    capitalised word that is not the heading's own colon or full stop; or a
    run of one to four Title-Case words right before a word that opens
    sentences ("Temporal Conditioner The encoder …").
    """
    text = text.strip()
    m = _NUMBERED_HEADING.match(text) or _NAMED_HEADING.match(text) or _TITLE_RUN_HEADING.match(text)
    return m.group("heading") if m else None


def without_heading(text: str) -> str:
    """The sentence with a glued heading taken off, so "3.1 Overview <abstract sentence>" is still a copy."""
    heading = glued_heading(text)
    return text.strip()[len(heading) :].strip() if heading else text


def caption(text: str) -> str | None:
    """A figure or table caption: opens with "Figure 3:", "Fig. 2.", "Table 1:" or holds "Figure 2:" inside."""
    m = _CAPTION_START.match(text.strip()) or _CAPTION_INSIDE.search(text)
    return m.group(0) if m else None


def table_cells(text: str) -> str | None:
    """Table cells read as prose: with 6+ tokens, 40% of them numbers, a run of 4 numbers, or under half letters."""
    parts = text.split()
    if len(parts) < 6:
        return None
    numeric = [bool(_NUMBER_TOKEN.match(p)) for p in parts]
    run = best = 0
    for n in numeric:
        run = run + 1 if n else 0
        best = max(best, run)
    visible = [c for c in text if not c.isspace()]
    alpha = sum(c.isalpha() for c in visible) / len(visible)
    if best >= 4:
        return " ".join(_longest_run(parts, numeric))
    if sum(numeric) / len(parts) >= 0.4 or alpha < 0.5:
        return text
    return None


def _longest_run(parts: list[str], numeric: list[bool]) -> list[str]:
    best: tuple[int, int] = (0, 0)
    start = None
    for i, n in enumerate([*numeric, False]):
        if n and start is None:
            start = i
        elif not n and start is not None:
            best = max(best, (start, i), key=lambda r: r[1] - r[0])
            start = None
    return parts[best[0] : best[1]]


def reference_entry(text: str) -> str | None:
    """A reference-list entry: "In Proceedings of", "arXiv preprint", "et al., 2023.", "pp. 12–20", venue + year, initials."""
    for pattern in _REFERENCE:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def citation(text: str) -> str | None:
    """A citation left in: "[12]", "[3, 4]", "[5-7]" or "(Smith et al., 2020)"."""
    for pattern in _CITATION:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def _unbalanced(text: str) -> str | None:
    """The first bracket without its partner, or None; an enumerator's ")" ("1) …", "b) …") needs none."""
    stack: list[str] = []
    for i, c in enumerate(text):
        if c in "([{":
            stack.append(c)
        elif c in _PAIRS:
            if stack and stack[-1] == _PAIRS[c]:
                stack.pop()
            elif not (c == ")" and _ENUMERATOR.search(text[max(0, i - 5) : i])):
                return c
    return stack[0] if stack else None


def broken_equation(text: str) -> str | None:
    """An equation cut in half: unbalanced (), [] or {}, a trailing operator, or three lone math symbols."""
    unbalanced = _unbalanced(text)
    if unbalanced:
        return f"unbalanced {unbalanced!r}"
    m = _TRAILING_OPERATOR.search(text)
    if m:
        return f"ends with {m.group(0).strip()!r}"
    lone = [t for t in text.split() if _LONE_SYMBOL.match(t)]
    if len(lone) >= 3:
        return "lone symbols " + " ".join(lone)
    return None


JUNK_CHECKS = {
    "glued_heading": glued_heading,
    "caption": caption,
    "table_cells": table_cells,
    "reference": reference_entry,
    "citation": citation,
    "equation": broken_equation,
}
# Only the sections a reader sees first must stand alone; later prose may say "however".
CONNECTIVE_SECTIONS = frozenset({"one_line", "key_takeaways"})


def junk_find(sentences: list[Sentence]) -> list[Flag]:
    """Every junk pattern each sentence matches, with the text that matched."""
    out = []
    for s in sentences:
        if s.section in CONNECTIVE_SECTIONS and (found := dangling_connective(s.text)):
            out.append(Flag("junk:connective", s.section, s.text, found))
        for name, check in JUNK_CHECKS.items():
            found = check(s.text)
            if found:
                out.append(Flag(f"junk:{name}", s.section, s.text, found))
    return out


def summary_quality(content: dict, *, abstract: str) -> SummaryQuality:
    """Measure one summary (``Summary.content``) against its paper's abstract."""
    sentences = summary_sentences(content)
    total, abstract_words = summary_words(content), words(abstract)
    one_line = str(content.get("one_line") or "")
    takeaways = [str(item) for item in content.get("key_takeaways") or []]
    flags = [
        *copies_find(sentences, abstract),
        *duplicates_find(sentences),
        *one_line_rules(one_line),
        *takeaway_rules(takeaways, abstract),
        *analysis_rules(content),
        *length_rules(total, abstract_words),
        *junk_find(sentences),
    ]
    return SummaryQuality(
        summary_words=total,
        abstract_words=abstract_words,
        sentences=sentences,
        empty_sections=empty_sections(content),
        flags=flags,
    )
