"""The offline backend: a TextRank summary made of the paper's own sentences.

No model writes anything: every section is a selection of sentences from the
abstract and the PDF sections, in the paper's own language (so a zh-hans
topic gets English text; validation reports that as a non-blocking
``wrong_language`` note and the public page says no LLM wrote it). Sentences
are ranked by TextRank over TF-IDF cosine similarity; each section then takes
the best-ranked sentences that carry its cue words (e.g. "however, existing
methods…" for prior work), preferring the PDF section it belongs to and
sentences no other section used. Keywords are the best-scoring noun-like
phrases; method steps are the method section's top sentences in order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from papers.services.errors import SummarizeError
from papers.services.summarize.backends.base import SummaryBackend, SummaryRequest, SummaryResult
from papers.services.summarize.schema import TAKEAWAYS_MAX, TAKEAWAYS_MIN
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

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_REFERENCE = re.compile(r"https?://|www\.|\b\d{4}\.\d{4,5}\b|\b10\.\d{4,9}/|arxiv", re.IGNORECASE)
_FRAGMENT = re.compile(r"^(fig\.?|figure|table|tab\.|algorithm|eq\.|equation)\s*\d", re.IGNORECASE)
# A caption glued to the text around it ("... Attack Figure 2: (a) ...") is not prose.
_CAPTION = re.compile(r"\b(fig\.?|figure|table)\s*\d+\s*:", re.IGNORECASE)

# Where each section's sentences come from (best first) and the words that mark them.
PLAN = {
    "background": (
        ("introduction", "abstract"),
        r"\b(challeng\w*|problem\w*|important|crucial|essential|remain\w*|increasing\w*|widely|recent\w*|demand|concern\w*)\b",
        2,
    ),
    "prior_work": (
        ("related", "introduction", "abstract"),
        r"\b(however|existing|previous\w*|prior|current (methods|approaches)|fail\w*|suffer\w*|limit\w*|struggl\w*|lack\w*|sub-optimal|drawback\w*|naive\w*)\b",
        2,
    ),
    "method": (
        ("method", "abstract", "introduction"),
        r"\b(we (\w+ )?(propose|introduce|present|design|develop|employ|leverage|adopt|advocate|formulate|use)|our (approach|framework|key idea)|key idea|consists of)\b",
        3,
    ),
    "results": (
        ("experiments", "abstract", "conclusion"),
        r"\b(experiment\w*|result\w*|outperform\w*|achiev\w*|demonstrat\w*|surpass\w*|improv\w*|state-of-the-art|sota|benchmark\w*|empirical\w*)\b",
        2,
    ),
    "significance": (
        ("conclusion", "abstract"),
        r"\b(significan\w*|impact\w*|enabl\w*|pave\w*|insight\w*|future|believe|contribut\w*|conclu\w*|potential)\b",
        2,
    ),
    "innovation": (
        ("introduction", "method", "abstract"),
        r"\b(novel|first|new|unlike|key idea|contribution\w*|we (\w+ )?(propose|introduce))\b",
        2,
    ),
    "performance": (
        ("experiments", "abstract"),
        r"(\d+(\.\d+)?\s*(%|x\b|×|times)|\b\d+\.\d+\b|\b(outperform\w*|accura\w*|improv\w*|fid|psnr|ssim|faster|speed\w*|score\w*|higher|lower|better)\b)",
        2,
    ),
    "workload": (
        ("experiments", "method", "abstract"),
        r"\b(train\w*|gpus?|comput\w*|cost\w*|efficien\w*|parameters?|hours?|memory|runtime|inference time|fine-tun\w*|without (the )?(need|necessity)|training-free|re-train\w*|dataset\w*)\b",
        1,
    ),
}


@dataclass
class Sentence:
    text: str
    where: str  # normalised section name
    order: int  # position in the document
    terms: Counter = field(default_factory=Counter)
    rank: float = 0.0


def section_kind(name: str) -> str:
    """Map a PDF section heading to the few kinds the plan knows."""
    name = name.lower()
    for kind, marks in (
        ("abstract", ("abstract",)),
        ("introduction", ("intro",)),
        ("related", ("related", "background", "prior", "preliminar")),
        ("method", ("method", "approach", "framework", "model", "proposed")),
        ("experiments", ("experiment", "result", "evaluation", "ablation")),
        ("conclusion", ("conclu", "discussion", "limitation")),
        ("references", ("reference", "bibliograph")),
        ("acknowledgments", ("acknowledg",)),
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


def sentences_split(text: str, *, where: str, start: int, limit: int = 60) -> list[Sentence]:
    text = re.sub(r"-\n(?=[a-z])", "", text)  # re-join words hyphenated across lines
    text = re.sub(r"\s+", " ", text).strip()
    found: list[Sentence] = []
    for raw in _SENTENCE_END.split(text):
        raw = raw.strip()
        n_words = len(words(raw))
        if not 6 <= n_words <= 80 or _FRAGMENT.match(raw) or _CAPTION.search(raw) or _REFERENCE.search(raw):
            continue
        if sum(ch.isalpha() for ch in raw) < len(raw) * 0.6:  # tables, equations
            continue
        found.append(Sentence(text=raw, where=where, order=start + len(found), terms=content_terms(raw)))
        if len(found) >= limit:
            break
    return found


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


class ExtractiveBackend(SummaryBackend):
    name = "extractive"
    model_name = ""
    prompt_version = "textrank-v1"

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        sentences = self._sentences(request)
        if not sentences:
            raise SummarizeError("The extractive summarizer found no usable sentences in the abstract or the PDF text.")
        textrank(sentences)
        used: set[int] = set()
        content: dict = {"translated_title": ""}  # nothing is translated: the title is the paper's own

        abstract = [s for s in sentences if s.where == "abstract"] or sentences
        content["one_line"] = self._pick(
            abstract, r"\b(we (propose|present|introduce)|this (paper|work)|in this (paper|work))\b", 1, used
        )
        for section, (sources, cue, count) in PLAN.items():
            pool = [s for s in sentences if s.where in sources] or abstract
            preferred = sources[0]
            content[section] = self._pick(pool, cue, count, used, preferred=preferred)
        content["key_takeaways"] = self._takeaways(sentences)
        content["method_steps"] = self._steps(sentences)
        content["keywords"] = self._keywords(request)
        return SummaryResult(content=content)

    # -- selection ---------------------------------------------------------
    def _sentences(self, request: SummaryRequest) -> list[Sentence]:
        found = sentences_split(request.abstract, where="abstract", start=0)
        for name, text in (request.sections or {}).items():
            kind = section_kind(name)
            # Reference entries and thanks are other people's titles and names, not this paper's claims.
            if kind in ("abstract", "references", "acknowledgments") or not isinstance(text, str):
                continue
            found += sentences_split(text, where=kind, start=len(found))
        # Papers repeat their abstract in the introduction; one copy of a
        # sentence is enough, and the abstract's copy comes first.
        unique: dict[str, Sentence] = {}
        for sentence in found:
            unique.setdefault(" ".join(words(sentence.text)), sentence)
        return list(unique.values())

    @staticmethod
    def _pick(pool, cue, count, used, *, preferred: str = "") -> str:
        """Return up to ``count`` cued sentences no other section used; reuse one only if none is left."""
        pattern = re.compile(cue, re.IGNORECASE)

        def score(s: Sentence) -> float:
            hits = min(len(pattern.findall(s.text)), 2)
            return s.rank + 0.6 * hits + (0.3 if s.where == preferred else 0.0)

        cued = [s for s in pool if pattern.search(s.text)]
        fresh_cued = [s for s in cued if s.order not in used]
        fresh = [s for s in pool if s.order not in used]
        if fresh_cued:
            chosen = sorted(fresh_cued, key=score, reverse=True)[:count]
        else:
            chosen = sorted(cued or fresh or pool, key=score, reverse=True)[:1]
        used.update(s.order for s in chosen)
        return " ".join(s.text for s in sorted(chosen, key=lambda s: s.order))

    @staticmethod
    def _takeaways(sentences: list[Sentence]) -> list[str]:
        """Return the best 5–8 sentences, skipping near-duplicates, in document order."""
        chosen: list[Sentence] = []
        for s in sorted(sentences, key=lambda s: s.rank, reverse=True):
            if any(_overlap(s, c) > 0.6 for c in chosen):
                continue
            chosen.append(s)
            if len(chosen) == TAKEAWAYS_MAX:
                break
        want = max(TAKEAWAYS_MIN, min(TAKEAWAYS_MAX, len(sentences) // 3))
        return [s.text for s in sorted(chosen[:want], key=lambda s: s.order)]

    @staticmethod
    def _steps(sentences: list[Sentence]) -> list[str]:
        method = [s for s in sentences if s.where == "method"]
        if not method:
            cue = re.compile(PLAN["method"][1], re.IGNORECASE)
            method = [s for s in sentences if s.where == "abstract" and cue.search(s.text)]
        count = max(2, min(6, len(method) // 4 or len(method)))
        best = sorted(method, key=lambda s: s.rank, reverse=True)[:count]
        return [s.text for s in sorted(best, key=lambda s: s.order)]

    @staticmethod
    def _keywords(request: SummaryRequest, limit: int = 5) -> list[str]:
        """Score runs of non-stopwords (1–3 words) by frequency, boosted in the title and abstract."""
        body = " ".join(t for t in (request.sections or {}).values() if isinstance(t, str))
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


def _overlap(a: Sentence, b: Sentence) -> float:
    shared = sum((a.terms & b.terms).values())
    return shared / (min(sum(a.terms.values()), sum(b.terms.values())) or 1)


def _same_phrase(a: str, b: str) -> bool:
    """Return True when one phrase contains the other or they share most words."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa or len(wa & wb) >= 2
