"""Checks a summary against the paper's facts before it can be published.

PLACEHOLDER until the summary stage lands. Contract:
``summary_validate(*, summary) -> list[dict]`` returns the failed rules as
``{"code": str, "message": str, "blocking": bool, "section": str}``.
"""

from __future__ import annotations

from papers.models import Summary


def summary_validate(*, summary: Summary) -> list[dict]:
    return [
        {"code": "missing_section", "message": f"{name} is empty", "blocking": True, "section": name}
        for name in ("one_line",)
        if not getattr(summary, name)
    ]
