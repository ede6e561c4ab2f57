"""What the model reads: the abstract plus the sections that matter, cut to a token budget.

The budget is per model (``LLM_INPUT_TOKEN_BUDGETS``, falling back to
``LLM_INPUT_TOKEN_BUDGET``) so a long paper never overflows a small model's
context window.
"""

from __future__ import annotations

from django.conf import settings

from papers.services.parse import summarizer_input
from papers.text import tokens_estimate


def text_cut(text: str, *, tokens: int) -> str:
    """Return the longest prefix of ``text`` within ``tokens``, ending at a sentence if possible."""
    if tokens <= 0:
        return ""
    if tokens_estimate(text) <= tokens:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on the prefix length
        mid = (lo + hi + 1) // 2
        if tokens_estimate(text[:mid]) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    end = max(cut.rfind(". "), cut.rfind("。"), cut.rfind("\n"))
    return cut[: end + 1] if end > len(cut) // 2 else cut


def input_token_budget(*, model_name: str) -> int:
    return int(settings.LLM_INPUT_TOKEN_BUDGETS.get(model_name, settings.LLM_INPUT_TOKEN_BUDGET))


def source_build(*, title: str, abstract: str, content, token_budget: int) -> str:
    """Return the paper text for the model, within ``token_budget`` tokens.

    With PDF content, the PDF stage's ``summarizer_input`` chooses the sections
    (it includes the abstract); without it, the arXiv abstract is the text.
    """
    head = text_cut(f"Title: {title.strip()}\n", tokens=token_budget)
    left = token_budget - tokens_estimate(head)
    body = ""
    if content is not None:
        body = summarizer_input(content=content, token_budget=left) or ""
    if abstract.strip() and abstract.strip()[:200] not in body:
        body = f"## Abstract\n{abstract.strip()}\n\n{body}"
    # Enforce the budget whoever selected the text.
    return head + "\n" + text_cut(body, tokens=left)
