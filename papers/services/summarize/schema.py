"""The fixed sections every summary has, for every paper, backend and language.

Titles, authors, affiliations and links are facts: they are not in this
schema, so no model is ever asked for them and no model answer can set them.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, ValidationError

from papers.models import Summary
from papers.sections import LIST_SECTIONS

TEXT_SECTIONS = tuple(name for name in Summary.SECTION_FIELDS if name not in LIST_SECTIONS)
TAKEAWAYS_MIN, TAKEAWAYS_MAX = 5, 8

# What each section holds; the prompt and the JSON schema both quote this, so
# the headings mean the same thing for every paper.
SECTION_GUIDE = {
    "one_line": "One sentence: what the paper does and why it matters.",
    "key_takeaways": f"{TAKEAWAYS_MIN} to {TAKEAWAYS_MAX} short key points, one sentence each.",
    "translated_title": "The paper's title in the output language.",
    "keywords": "3 to 6 keywords or key phrases.",
    "background": "The research background: the problem and why it is hard.",
    "prior_work": "Previous approaches and the problems they have.",
    "method": "The method the paper proposes.",
    "results": "The tasks and results, and whether the results support the paper's goals.",
    "method_steps": "The method as 2 to 6 ordered steps, one sentence each.",
    "significance": "Conclusion: the significance of the work.",
    "innovation": "Conclusion: what is new.",
    "performance": "Conclusion: how well it performs, only with numbers that appear in the paper.",
    "workload": "Conclusion: the effort and compute the method needs, or its cost and limits.",
}


class SummaryContent(BaseModel):
    """A model's answer: every section present, text as strings, lists as lists of strings."""

    model_config = ConfigDict(extra="ignore", strict=True)

    one_line: str
    key_takeaways: list[str]
    translated_title: str
    keywords: list[str]
    background: str
    prior_work: str
    method: str
    results: str
    method_steps: list[str]
    significance: str
    innovation: str
    performance: str
    workload: str


def json_schema() -> dict:
    """Return the JSON schema for structured output (strict: all keys, nothing else)."""
    properties = {}
    for name in Summary.SECTION_FIELDS:
        if name in LIST_SECTIONS:
            properties[name] = {"type": "array", "items": {"type": "string"}, "description": SECTION_GUIDE[name]}
        else:
            properties[name] = {"type": "string", "description": SECTION_GUIDE[name]}
    return {
        "type": "object",
        "properties": properties,
        "required": list(Summary.SECTION_FIELDS),
        "additionalProperties": False,
    }


class SchemaViolation(ValueError):
    """The answer is not JSON, is cut off, or does not have the fixed sections."""


def content_parse(text: str | None) -> dict:
    """Return the sections from a model's JSON answer, or raise SchemaViolation saying what is wrong."""
    if text is None or not text.strip():
        raise SchemaViolation("the answer was empty")
    raw = text.strip()
    # Some servers wrap JSON mode answers in a Markdown fence.
    if raw.startswith("```"):
        raw = raw.strip("`")
        raw = raw[raw.find("{") :] if "{" in raw else raw
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(raw) - 1 or "Unterminated" in exc.msg:
            raise SchemaViolation("the answer was cut off before the JSON ended") from exc
        raise SchemaViolation(f"the answer was not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(data, dict):
        raise SchemaViolation("the answer was JSON but not an object")
    try:
        parsed = SummaryContent.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise SchemaViolation(f"the answer does not match the summary schema ({problems})") from exc
    return parsed.model_dump()
