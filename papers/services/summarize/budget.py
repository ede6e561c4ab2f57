"""What the model reads: the abstract plus the sections that matter, cut to a token budget.

The budget is per model (``LLM_INPUT_TOKEN_BUDGETS``, falling back to
``LLM_INPUT_TOKEN_BUDGET``) so a long paper never overflows a small model's
context window.
"""

from __future__ import annotations

import re

from django.conf import settings

# Most useful first: what the paper claims, how, and what it concludes.
SECTION_PRIORITY = ("abstract", "introduction", "method", "conclusion", "experiments", "results", "related_work")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def tokens_estimate(text: str) -> int:
    """Return a conservative token count: ~4 characters per token, one per CJK character."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


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


def _sections_text(sections: dict, *, tokens: int) -> str:
    """Fill the budget with whole sections in priority order, cutting the last one."""
    parts, left = [], tokens
    names = [n for n in SECTION_PRIORITY if sections.get(n)] + [
        n for n in sections if n not in SECTION_PRIORITY and sections.get(n)
    ]
    for name in names:
        block = f"## {name.replace('_', ' ').title()}\n{sections[name].strip()}\n"
        piece = text_cut(block, tokens=left)
        if not piece.strip() or piece.strip() == block.splitlines()[0]:
            break
        parts.append(piece)
        left -= tokens_estimate(piece)
        if left <= 0:
            break
    return "\n".join(parts)


def source_build(*, title: str, abstract: str, content, token_budget: int) -> str:
    """Return the paper text for the model, within ``token_budget`` tokens.

    With PDF content, the PDF stage's ``summarizer_input`` chooses the sections
    (it includes the abstract); without it, the arXiv abstract is the text.
    """
    head = text_cut(f"Title: {title.strip()}\n", tokens=token_budget)
    left = token_budget - tokens_estimate(head)
    body = ""
    if content is not None:
        try:
            from papers.services.pdf import summarizer_input
        except ImportError:  # an older PDF stage: select from the sections here
            summarizer_input = None
        if summarizer_input is not None:
            body = summarizer_input(content=content, token_budget=left) or ""
        else:
            body = _sections_text({"abstract": abstract, **(content.sections or {})}, tokens=left)
    if abstract.strip() and abstract.strip()[:200] not in body:
        body = f"## Abstract\n{abstract.strip()}\n\n{body}"
    # Enforce the budget whoever selected the text.
    return head + "\n" + text_cut(body, tokens=left)
