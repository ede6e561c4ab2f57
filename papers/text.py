"""Text measures and patterns shared by the PDF stage, the summarizer, validation and models (no Django imports)."""

from __future__ import annotations

import re

# CJK punctuation, kana, ideographs (with extensions and compatibility forms) and
# fullwidth forms: each character carries about a word, costs about a token, and
# follows the previous one without a space.
CJK_CHAR = re.compile(
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)


def tokens_estimate(text: str) -> int:
    """Return a conservative token count: one per CJK character, one per four other characters, rounded up."""
    cjk = len(CJK_CHAR.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


_LATIN_LETTER = re.compile(r"[A-Za-z]")


def script_counts(text: str) -> tuple[int, int]:
    """Return (CJK characters, Latin letters) in ``text``."""
    return len(CJK_CHAR.findall(text)), len(_LATIN_LETTER.findall(text))


def cjk_share(text: str) -> float:
    """Return how much of ``text`` is CJK, 0..1 (0 with no letters at all).

    One CJK character carries about as much as a short English word, so it
    weighs two Latin letters.
    """
    cjk, latin = script_counts(text)
    return cjk / (cjk + latin / 2) if cjk + latin else 0.0


def text_language(text: str) -> str:
    """Return the language ``text`` is written in: "zh-hans" when it is mostly CJK, else "en"."""
    return "zh-hans" if cjk_share(text) >= 0.5 else "en"


# A caption's opening label as papers print it: "Figure 3:", "Fig. 3.", "TABLE IV", "Table 2 |".
# ``rest`` is the delimiter (or the space before the words); a sentence such as
# "Table 2 shows" matches too and is told apart by the PDF stage's other rules.
CAPTION_LABEL = re.compile(
    r"^(?P<word>Figure|FIGURE|Fig\.?|FIG\.?|Table|TABLE)\s*(?P<num>\d{1,3}|[IVXL]{1,6})(?P<rest>\s*[:.|]|\s*$|\s+(?=\S))",
)
