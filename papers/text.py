"""Text measures shared by the PDF stage, the summarizer and validation (no Django imports)."""

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
