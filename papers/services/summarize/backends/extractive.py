"""The offline backend: a short extract of the paper's own sentences, each picked for a section.

No model writes anything. The paper's cleaned text (the PDF stage's sections)
is cut into sentences with ``pysbd``; headings, captions, table cells,
equations, reference entries and citation brackets are taken out; sentences
are ranked by TextRank over TF-IDF cosine similarity. Then the summary is
filled in the order a reader needs it (one line, method, results, key
takeaways, background, prior work, steps, conclusion parts), each part from
the matching section of the paper and only from sentences carrying its cue
words. No sentence is used twice and no near-duplicate of one already used is
taken; key takeaways come from the body, at most two from the abstract that
the page prints right above them; the whole stays under twice the abstract's
length and under ``MAX_WORDS``. A part the paper gives no material for stays
empty (the page omits it) rather than being filled with a near miss.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import pysbd

from papers.services.errors import SummarizeError
from papers.services.summarize.backends.base import SummaryBackend, SummaryRequest, SummaryResult
from papers.services.summarize.schema import TAKEAWAYS_MIN
from papers.text import text_language

STOPWORDS = frozenset(
    """a about above after again against all also although am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either et al etc few for
    from further had has have having here how however i if in into is it its itself just may might more most
    much must my no nor not of off on once only or other our ours ourselves out over own per same she should
    so some such than that the their theirs them themselves then there these they this those through thus
    to too under until up upon very via was we were what when where whether which while who whom why will
    with within without would yet you your e.g i.e eg ie using use used based show shows shown paper work
    propose proposed present presents introduce introduces method methods approach approaches result results
    new novel existing specifically particular moreover furthermore finally first second third one two three
    well various different several many often able make makes made give gives given achieve achieves""".split()
)
GENERIC_KEYWORDS = frozenset({"model", "models", "data", "task", "tasks", "framework", "performance", "problem"})

MAX_WORDS = 349  # the whole summary, list items included (keywords and the title are not prose)
ONE_LINE_MAX_WORDS = 35
SENTENCE_MAX_WORDS = 40
SENTENCE_MIN_WORDS = 6
TAKEAWAYS_WANTED = 5
TAKEAWAYS_FROM_ABSTRACT = 2
# Two sentences say the same thing when they share half their content words (Jaccard),
# or one holds nearly all of the other's.
NEAR_DUPLICATE_JACCARD = 0.5
NEAR_DUPLICATE_CONTAINED = 0.8

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]")
_REFERENCE = re.compile(
    r"https?://|www\.|\b\d{4}\.\d{4,5}\b|\b10\.\d{4,9}/|arxiv|\bIn Proc(eedings|\.)|\bpp\.\s*\d|\bvol\.\s*\d"
    r"|\bet al\.,? \(?(19|20)\d\d|\bIn:? [A-Z][A-Za-z]*,? (19|20)\d\d\b",
    re.IGNORECASE,
)
_AUTHOR_LIST = re.compile(r"(\b[A-Z]\. (?:[A-Z]\. )?[A-Z][a-z]+, ){2}")  # "J. Ho, T. Salimans, …": an entry
# A caption, whole or glued into the text around it ("… Attack Figure 2: (a) …").
_CAPTION = re.compile(r"^(fig\.?|figure|table|tab\.|algorithm)\s*\d|\b(fig\.?|figure|table)\s*\d+\s*[:|]", re.I)
_CITATION = re.compile(
    r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]"  # [4], [3, 4], [1-3]
    r"|\s*\((?:[A-Z][\w'-]+(?: et al\.| and [A-Z][\w'-]+)?,? (?:19|20)\d\d[a-z]?(?:;\s*)?)+\)"  # (Ho et al., 2020)
)
# A sentence that leans on its citation for meaning ("as shown by [4]"): without it, it says nothing.
_LEANS_ON_CITATION = re.compile(r"\b(by|in|from|of|see|following|to|and|with|cf\.)\s*\[\d", re.I)
_FIGURE_POINTER = re.compile(
    r"\s*\((?:see )?(?:Fig\.|Figure|Figs\.|Table|Tab\.|Sec\.|Section|Eq\.)\s*[\d.()a-z,–-]*\)", re.I
)
_MATH = re.compile(r"[=<>≤≥≈∈∉⊂∑∏∫√∀∃∂∇→←⇒↦∞]|\b[a-zA-Z]_\{?\w|\\[a-z]+")
# Connectives that tie a sentence to the one before it; out of context they dangle.
_CONNECTIVE = re.compile(
    r"^(?:(?:therefore|furthermore|thus|hence|moreover|however|additionally|also|finally|specifically|consequently|"
    r"meanwhile|notably|besides|accordingly|nevertheless|nonetheless|instead|similarly|likewise|overall|then|next|"
    r"first(?:ly)?|second(?:ly)?|third(?:ly)?|lastly|importantly|in addition|in particular|in contrast|as a result|"
    r"to this end|on the other hand|in summary|in short|in other words|on top of that|for this reason|"
    r"to that end|by contrast|in turn|as such|that said|for example|for instance|in practice|"
    r"to (address|tackle|solve|overcome) (these|this|the above|such|both) \w+( \w+)?),"
    r"|(?:then|thus|hence|also|however|therefore|furthermore|moreover|next|finally|consequently))\s+",
    re.IGNORECASE,
)
_NUMBERED_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-H]\.\d*)\s+(?=[A-Z])")
_HEADING_WORDS = re.compile(
    r"^(?:Abstract|Introduction|Related Work|Background|Preliminaries|Method(?:s|ology)?|Approach|Experiments?|"
    r"Results|Evaluation|Discussion|Conclusions?|Limitations|Overview|Implementation Details|Ablation Stud(?:y|ies)|"
    r"Setup|Experimental Setup|Datasets?|Analysis)[.:]?\s+(?=[A-Z])"
)
_SENTENCE_OPENERS = frozenset(
    "We Our The This These In To For A An It Each Given Unlike Most Recent Existing Many Although While".split()
)
_RUN_IN_HEADING = re.compile(r"^(?:[A-Z][\w-]*)(?: [\w-]+){0,4}\.\s+(?=[A-Z])")
_HEADING_VERBS = re.compile(r"\b(is|are|was|were|be|we|our|it|this|can|has|have|does|do)\b", re.I)
_ABBREVIATION_END = re.compile(r"\b(?:Eq|Eqs|Fig|Figs|Tab|Sec|Secs|Ref|Refs|al|cf|vs|resp|approx|No|Thm|Def)\.\s*$")
_STARTS_MID_SENTENCE = re.compile(r"^[\[(\d a-z]")
# How the paper was run rather than what it does: the workload's material, not the method's.
_SETUP_DETAIL = re.compile(
    r"\b(checkpoints?|hyper-?parameters?|random seeds?|unless stated otherwise|learning rate|batch size|optimi[sz]er|"
    r"epochs?|default (settings|noise schedules?))\b",
    re.I,
)
_SETUP_OPENING = re.compile(r"^We (evaluate|compare|train|test|generate|follow|report|run|conduct|use|adopt|attack)\b")
_OWN_WORDS = re.compile(r"\b(we|our|ours)\b", re.I)
_PRONOUN_OPENING = re.compile(r"^(?:this|these|those|it|they|such|here|there|which)\b", re.I)

_CONTRIBUTION = (
    r"\b(we (\w+ )?(propose|present|introduce|develop|design|presented|proposed|introduced|study|investigate|"
    r"explore|analy[sz]e)|"
    r"this (paper|work) (\w+ )?(propose|present|introduce|develop|stud)\w*|in this (paper|work))\b"
)

# Each part of the summary: where its sentences come from (best first) and the words that mark them.
PLAN = {
    "method": (
        ("method", "abstract", "introduction"),
        r"\b(we (\w+ )?(propose|introduce|present|design|develop|employ|leverage|adopt|formulate|use|build|train|"
        r"encode|apply|compute)|our (approach|framework|method|model|key idea)|key idea|consists of|"
        r"is (composed|built|trained)|takes as input)\b",
    ),
    "results": (
        ("experiments", "analysis", "conclusion", "abstract"),
        r"\b(outperform\w*|achiev\w*|surpass\w*|improv\w*|better|worse|beats?|gains?|reduc\w*|degrad\w*|"
        r"drops?|gap|higher|lower|stable|robust\w*|competitive|matches|restor\w*|succeed\w*|fails?|"
        r"than (the )?(baselines?|competitors|prior)|results? (show|demonstrate|indicate)|confirm\w*)\b",
    ),
    "background": (
        ("introduction", "abstract"),
        r"\b(challeng\w*|problem\w*|important|crucial|essential|remain\w*|increasing\w*|widely|demand|"
        r"recent (years|advances|progress|work)|has (emerged|become|attracted)|have (emerged|become|attracted))\b",
    ),
    "prior_work": (
        ("related", "introduction", "abstract"),
        r"\b(however|existing|previous\w*|prior|current (methods|approaches)|fail\w*|suffer\w*|limit\w*|"
        r"struggl\w*|lack\w*|sub-optimal|drawback\w*|naive\w*)\b",
    ),
    "significance": (
        ("conclusion", "abstract"),
        r"\b(significan\w*|impact\w*|enabl\w*|pave\w*|insight\w*|future|believe|opens?|conclu\w*|potential|"
        r"applicab\w*|practical)\b",
    ),
    "innovation": (
        ("introduction", "method"),
        r"\b(novel|first|unlike|key idea|contribution\w*|differs? from|in contrast to)\b",
    ),
    "performance": (
        ("experiments", "analysis"),
        r"(\d+(\.\d+)?\s*(%|x\b|×|times)|\b\d+\.\d+\b|\b(accura\w*|fid|psnr|ssim|bleu|faster|speed-?up|score\w*)\b)",
    ),
    "workload": (
        ("experiments", "method", "conclusion"),
        r"\b(gpus?|tpus?|comput\w*|cost\w*|hours?|days?|minutes|memory|runtime|inference time|latency|flops|"
        r"training-free|(?<!-)parameters)\b",
    ),
}
# Filled in this order, so the parts a reader looks at first get the best sentences and the budget.
# (part, sentences it may take in this round): the required parts (one line, method, takeaways) first,
# so a short abstract's budget goes to them; a second method sentence only when there is room.
FILL_ORDER = (
    ("method", 1),
    ("key_takeaways", 0),
    ("method_steps", 0),
    ("results", 1),
    ("background", 1),
    ("prior_work", 1),
    ("significance", 1),
    ("workload", 1),
    ("method", 1),
    ("innovation", 1),
    ("performance", 1),
)
OPEN_PARTS = ("method", "prior_work")
REQUIRED = ("method",)  # with the one line and the key takeaways: what every entry shows
TAKEAWAY_SOURCES = {"method": 1.0, "experiments": 1.0, "analysis": 0.8, "conclusion": 0.8, "introduction": 0.4}


@dataclass
class Sentence:
    text: str
    where: str  # the kind of section it comes from (``section_kind``)
    order: int  # position in the document
    terms: Counter = field(default_factory=Counter)
    rank: float = 0.0
    copies_abstract: bool = False  # the abstract's own sentence, or a body sentence repeating one

    @property
    def words(self) -> int:
        return len(self.text.split())


def section_kind(name: str) -> str:
    """Map a PDF section heading to the few kinds the plan knows."""
    name = name.lower()
    for kind, marks in (
        ("abstract", ("abstract",)),
        ("introduction", ("intro",)),
        ("related", ("related", "background", "prior", "preliminar")),
        ("method", ("method", "approach", "framework", "model", "proposed")),
        ("experiments", ("experiment", "result", "evaluation", "ablation")),
        ("analysis", ("analys", "discussion")),
        ("conclusion", ("conclu", "limitation", "summary")),
        ("references", ("reference", "bibliograph")),
        ("acknowledgments", ("acknowledg",)),
        ("appendix", ("appendix", "supplementa")),
    ):
        if any(mark in name for mark in marks):
            return kind
    return name


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> Counter:
    return Counter(_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2)


# --- from text to clean sentences -------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph: ``pysbd``, with the splits it makes after "Eq." or "et al." mended.

    pysbd ends a sentence at "Eq. (2)", "Tab. 2" or "et al. [4]"; a piece that
    opens mid-sentence (a bracket, a digit, a lower-case word) or follows such
    an abbreviation belongs to the piece before it.
    """
    pieces = [p.strip() for p in pysbd.Segmenter(language="en", clean=False).segment(text)]
    out: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if out and (_STARTS_MID_SENTENCE.match(piece) or _ABBREVIATION_END.search(out[-1])):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def strip_heading(text: str) -> str:
    """The paragraph without a heading glued before its first sentence ("3.1 Overview Specifically, we …")."""
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        rest = text[numbered.end() :]
        # The heading is the run of capitalised words; the sentence starts at the last one before a lower-case word.
        tokens = rest.split(" ")
        start = 0
        while start + 1 < len(tokens) and tokens[start + 1][:1].isupper() and start < 5:
            start += 1
        if not start:
            # "3.1 Results on ImageNet We find …": the sentence starts at a word that opens sentences.
            start = next((i for i, t in enumerate(tokens[1:7], 1) if t in _SENTENCE_OPENERS), 0)
        if start:
            return " ".join(tokens[start:])
        # "3.1 Results …" is a heading glued on; "2 GPUs suffice …" is a sentence.
        return rest if "." in numbered.group(0).rstrip(". ") else text
    named = _HEADING_WORDS.match(text)
    if named:
        return text[named.end() :]
    run_in = _RUN_IN_HEADING.match(text)
    if run_in and not _HEADING_VERBS.search(run_in.group(0)):
        return text[run_in.end() :]  # "Implementation details. We build …"
    return text


def is_heading(paragraph: str) -> bool:
    """A paragraph that is only a heading: short and not a sentence."""
    n = len(paragraph.split())
    if n > 8:
        return False
    return not paragraph.endswith((".", "!", "?")) or n <= 4 and not _HEADING_VERBS.search(paragraph)


def clean_sentence(raw: str) -> str | None:
    """The sentence as the summary may print it, or None when it is not standalone prose."""
    text = " ".join(raw.split())
    if _CAPTION.search(text) or _REFERENCE.search(text) or _AUTHOR_LIST.search(text) or _LEANS_ON_CITATION.search(text):
        return None
    text = _CITATION.sub("", text)
    text = _FIGURE_POINTER.sub("", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    for _ in range(2):
        stripped = _CONNECTIVE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped[:1].upper() + stripped[1:]
    if not text.endswith((".", "!", "?")) or not text[:1].isupper():
        return None  # a fragment: cut by a page or a column, or a list item
    if _MATH.search(text) or text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        return None  # an equation, or one cut in half
    tokens = text.split()
    if not SENTENCE_MIN_WORDS <= len(tokens) <= SENTENCE_MAX_WORDS:
        return None
    if sum(ch.isalpha() for ch in text) < 0.7 * len(text.replace(" ", "")):
        return None  # table cells, numbers
    if sum(1 for t in tokens if re.fullmatch(r"[\d.,%±()×x-]+", t)) > 0.25 * len(tokens):
        return None  # a table row read as a sentence
    return text


def _paragraphs(text: str) -> list[str]:
    text = re.sub(r"-\n(?=[a-z])", "", text)  # a word hyphenated across lines
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def sentences_of(text: str, *, where: str, start: int, limit: int = 120) -> list[Sentence]:
    """The usable sentences of one section, numbered from ``start``."""
    found: list[Sentence] = []
    for paragraph in _paragraphs(text):
        if is_heading(paragraph):
            continue
        for raw in split_sentences(strip_heading(paragraph)):
            cleaned = clean_sentence(raw)
            if cleaned is None:
                continue
            found.append(Sentence(text=cleaned, where=where, order=start + len(found), terms=content_terms(cleaned)))
            if len(found) >= limit:
                return found
    return found


def overlap(a: Sentence, b: Sentence) -> float:
    """Shared content words over the shorter sentence's: 1.0 when one says all the other does."""
    shared = sum((a.terms & b.terms).values())
    return shared / (min(sum(a.terms.values()), sum(b.terms.values())) or 1)


def near_duplicates(a: Sentence, b: Sentence) -> bool:
    """True when the two say the same thing (a paper's topic words alone do not make two sentences alike)."""
    ta, tb = set(a.terms), set(b.terms)
    union = len(ta | tb) or 1
    return len(ta & tb) / union >= NEAR_DUPLICATE_JACCARD or overlap(a, b) >= NEAR_DUPLICATE_CONTAINED


def textrank(sentences: list[Sentence], *, damping: float = 0.85, iterations: int = 40) -> None:
    """Set each sentence's ``rank``: PageRank over TF-IDF cosine similarity, scaled to 0..1."""
    n = len(sentences)
    if n == 0:
        return
    df = Counter(term for s in sentences for term in s.terms)
    vectors = []
    for s in sentences:
        vec = {t: c * math.log(1 + n / df[t]) for t, c in s.terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            small, large = (vectors[i], vectors[j]) if len(vectors[i]) < len(vectors[j]) else (vectors[j], vectors[i])
            sim = sum(v * large.get(t, 0.0) for t, v in small.items())
            weights[i][j] = weights[j][i] = sim
    out_sum = [sum(row) or 1.0 for row in weights]
    scores = [1.0 / n] * n
    for _ in range(iterations):
        scores = [
            (1 - damping) / n + damping * sum(weights[j][i] / out_sum[j] * scores[j] for j in range(n) if weights[j][i])
            for i in range(n)
        ]
    top = max(scores) or 1.0
    for s, score in zip(sentences, scores):
        s.rank = score / top


# --- choosing ----------------------------------------------------------------


class _Picker:
    """What the summary has used so far, and what it may still take."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used: list[Sentence] = []

    def fits(self, s: Sentence, *, required: bool = False) -> bool:
        # A required part (the one line, the method, a first takeaway) is never left empty for the budget:
        # a summary without it cannot be published. Only a very short abstract makes that happen.
        if not required and s.words > self.budget:
            return False
        return not any(s is u or near_duplicates(s, u) for u in self.used)

    def take(self, s: Sentence) -> Sentence:
        self.used.append(s)
        self.budget -= s.words
        return s

    def best(self, pool: list[Sentence], score, count: int, *, required: bool = False) -> list[Sentence]:
        """Up to ``count`` of the best-scored sentences that fit; with ``required``, at least one if any is new."""
        chosen = []
        ranked = sorted(pool, key=score, reverse=True)
        for s in ranked:
            if len(chosen) == count:
                break
            if s not in self.used and self.fits(s):
                chosen.append(self.take(s))
        if required and not chosen:
            chosen = [self.take(s) for s in ranked if s not in self.used and self.fits(s, required=True)][:1]
        return sorted(chosen, key=lambda s: s.order)


def _score(part: str, cue: re.Pattern, preferred: str, key_terms: Counter):
    def score(s: Sentence) -> float:
        hits = min(len(cue.findall(s.text)), 2)
        value = s.rank + 0.5 * hits + (0.4 if s.where == preferred else 0.0)
        value -= 0.3 if s.words > 30 else 0.0
        value -= 0.4 if _PRONOUN_OPENING.match(s.text) else 0.0
        setup = bool(_SETUP_DETAIL.search(s.text))
        if part == "workload":
            value += 0.5 if setup else 0.0
        elif part in ("method", "results", "innovation", "significance"):
            value -= 0.8 if setup else 0.0
        if part in ("results", "performance"):
            value -= 0.5 if _SETUP_OPENING.match(s.text) else 0.0
        if part == "prior_work":
            value -= 0.5 if _OWN_WORDS.search(s.text) else 0.0  # what others did, not what we do
        if part in ("method", "innovation"):
            # The method's own sentences name what the title and the one line name.
            value += 0.15 * min(sum((s.terms & key_terms).values()), 4)
        return value

    return score


class ExtractiveBackend(SummaryBackend):
    name = "extractive"
    model_name = ""
    prompt_version = "textrank-v2"

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        sentences = self._sentences(request)
        if not sentences:
            raise SummarizeError("The extractive summarizer found no usable sentences in the abstract or the PDF text.")
        textrank(sentences)
        abstract_words = len(request.abstract.split())
        picker = _Picker(min(MAX_WORDS, 2 * abstract_words - 1) if abstract_words else MAX_WORDS)
        # Nothing is translated: the title is the paper's own, so the translated title stays empty.
        content: dict = {name: "" for name in PLAN} | {"translated_title": "", "method_steps": [], "key_takeaways": []}

        one_line = self._one_line(sentences, picker)
        content["one_line"] = one_line.text if one_line else ""
        key_terms = content_terms(request.title) + (one_line.terms if one_line else Counter())
        chosen: dict[str, list[Sentence]] = {}
        for part, count in FILL_ORDER:
            if part == "key_takeaways":
                found = self._takeaways(sentences, picker)
            elif part == "method_steps":
                found = self._steps(sentences, picker)
            else:
                found = self._part(
                    part, sentences, picker, key_terms, count, required=not chosen.get(part) and part in REQUIRED
                )
            chosen.setdefault(part, []).extend(found)
        for part, found in chosen.items():
            texts = [s.text for s in sorted(found, key=lambda s: s.order)]
            content[part] = texts if part in ("key_takeaways", "method_steps") else " ".join(texts)
        content["keywords"] = self._keywords(request)
        return SummaryResult(content=content)

    def _sentences(self, request: SummaryRequest) -> list[Sentence]:
        found = sentences_of(request.abstract, where="abstract", start=0)
        for s in found:
            s.copies_abstract = True
        abstract = list(found)
        for name, text in (request.sections or {}).items():
            kind = section_kind(name)
            # Reference entries and thanks are other people's titles and names, not this paper's claims.
            if kind in ("abstract", "references", "acknowledgments", "appendix") or not isinstance(text, str):
                continue
            for s in sentences_of(text, where=kind, start=len(found)):
                # Papers repeat their abstract in the introduction and the conclusion: one copy is enough.
                if any(overlap(s, a) >= NEAR_DUPLICATE_CONTAINED for a in abstract):
                    continue
                found.append(s)
        return found

    @staticmethod
    def _one_line(sentences: list[Sentence], picker: _Picker) -> Sentence | None:
        """The paper's own statement of what it does, from the abstract first; background only if it has none."""
        cue = re.compile(_CONTRIBUTION, re.IGNORECASE)
        short = [s for s in sentences if s.words <= ONE_LINE_MAX_WORDS]
        place = {"abstract": 1.0, "introduction": 0.6, "conclusion": 0.5}

        def score(s: Sentence) -> float:
            return (
                (2.0 if cue.search(s.text) else 0.0)
                + place.get(s.where, 0.0)
                + s.rank
                - (0.5 if _PRONOUN_OPENING.match(s.text) else 0.0)
            )

        chosen = picker.best(short, score, 1, required=True)
        return chosen[0] if chosen else None

    @staticmethod
    def _part(
        part: str, sentences: list[Sentence], picker: _Picker, key_terms: Counter, count: int, *, required: bool
    ) -> list[Sentence]:
        sources, cue_text = PLAN[part]
        cue = re.compile(cue_text, re.IGNORECASE)
        has_body = any(s.where != "abstract" for s in sentences)
        # The abstract stands in only for a paper we have no body text of (it is printed above the summary).
        allowed = [w for w in sources if w != "abstract" or not has_body]
        # Any sentence of the method (related work) section is about the method (prior work), and so is
        # any of an abstract that is all we have about the method; elsewhere only one that says so.
        if part not in OPEN_PARTS:
            open_source = None
        else:
            open_source = allowed[0] if has_body else ("abstract" if part == "method" else None)
        pool = [
            s
            for s in sentences
            if s.where in allowed
            and (cue.search(s.text) or s.where == open_source)
            and not (part in OPEN_PARTS and _SETUP_DETAIL.search(s.text))
        ]
        return picker.best(pool, _score(part, cue, allowed[0] if allowed else "", key_terms), count, required=required)

    @staticmethod
    def _takeaways(sentences: list[Sentence], picker: _Picker) -> list[Sentence]:
        """The best-ranked points of the body (results with their numbers count extra), a few from the abstract."""
        numbers = re.compile(r"\d")

        def score(s: Sentence) -> float:
            weight = TAKEAWAY_SOURCES.get(s.where, 0.3 if s.where == "abstract" else 0.5)
            value = s.rank * weight + (0.2 if numbers.search(s.text) and s.where != "abstract" else 0.0)
            value -= 0.3 if _PRONOUN_OPENING.match(s.text) else 0.0
            value -= 0.3 if _SETUP_OPENING.match(s.text) else 0.0
            return value - (0.5 if _SETUP_DETAIL.search(s.text) else 0.0)

        body = [s for s in sentences if not s.copies_abstract]
        abstract = [s for s in sentences if s.copies_abstract]
        chosen = picker.best(body, score, TAKEAWAYS_WANTED)
        if len(chosen) < TAKEAWAYS_MIN:
            want = min(TAKEAWAYS_FROM_ABSTRACT, TAKEAWAYS_MIN - len(chosen))
            chosen += picker.best(abstract, score, want, required=not chosen)
        if not chosen:
            chosen = picker.best(body, score, 1, required=True)
        return sorted(chosen, key=lambda s: s.order)

    @staticmethod
    def _steps(sentences: list[Sentence], picker: _Picker) -> list[Sentence]:
        """What the method section does, in its order: two or three of its best remaining sentences."""
        method = [s for s in sentences if s.where == "method" and not _SETUP_DETAIL.search(s.text)]
        if len(method) < 4:
            return []  # a method we have one or two sentences of is said in ``method`` already
        chosen = picker.best(method, lambda s: s.rank - (0.3 if s.words > 30 else 0.0), 3)
        if len(chosen) < 2:
            picker.used = [s for s in picker.used if s not in chosen]
            picker.budget += sum(s.words for s in chosen)
            return []
        return chosen

    @staticmethod
    def _keywords(request: SummaryRequest, limit: int = 5) -> list[str]:
        """Score runs of non-stopwords (1–3 words) by frequency, boosted in the title and abstract."""
        body = " ".join(
            t
            for name, t in (request.sections or {}).items()
            if isinstance(t, str) and section_kind(name) != "references"
        )
        spans = {"title": request.title, "abstract": request.abstract, "body": body}
        boost = {"title": 3.0, "abstract": 2.0, "body": 1.0}
        scores: Counter = Counter()
        surface: dict[str, Counter] = {}
        for where, text in spans.items():
            for chunk in re.split(r"[.,;:()\[\]!?\"\n]|\s-\s", text):
                run: list[str] = []
                for token in _WORD.findall(chunk) + [""]:
                    if token and token.lower() not in STOPWORDS and len(token) > 1 and not token.isdigit():
                        run.append(token)
                        continue
                    for size in (1, 2, 3):
                        for i in range(len(run) - size + 1):
                            phrase = " ".join(run[i : i + size])
                            key = " ".join(_stem(w.lower()) for w in run[i : i + size])
                            if size == 1 and (key in GENERIC_KEYWORDS or len(key) < 4):
                                continue
                            scores[key] += boost[where] * size  # a repeated phrase beats its words
                            surface.setdefault(key, Counter())[phrase] += 1
                    run = []
        chosen: list[str] = []
        for key, _score in scores.most_common():
            if any(_same_phrase(key, c) for c in chosen):
                continue
            if scores[key] < 2 * boost["abstract"]:  # seen once: not a keyword
                continue
            chosen.append(key)
            if len(chosen) == limit:
                break
        return [surface[key].most_common(1)[0][0] for key in chosen]

    def written_language(self, request: SummaryRequest) -> str:
        """The paper's own language, whatever the topic asked: every sentence is quoted from the paper."""
        return text_language(f"{request.title}\n{request.abstract}")


def _same_phrase(a: str, b: str) -> bool:
    """Return True when one phrase contains the other or they share most words."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa or len(wa & wb) >= 2
