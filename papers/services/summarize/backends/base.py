"""The backend interface. A new backend is one subclass of ``SummaryBackend``.

A backend turns one ``SummaryRequest`` (a paper's text and the wanted
language) into one ``SummaryResult`` (the fixed sections plus what it cost).
It must be safe to call from several threads at once, must not touch the
database (the caller reads and writes rows), and raises
``papers.services.errors.SummarizeError`` with an editor-readable message
when it cannot produce a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SummaryRequest:
    """Everything a backend may read about one paper, built from its facts and PDF content."""

    arxiv_id: str
    version: int
    language: str  # "zh-hans" or "en": the topic's output language (see ``written_language``)
    title: str
    abstract: str
    sections: dict = field(default_factory=dict)  # PDF section name -> text (may be empty)
    source: str = ""  # title + abstract + sections, cut to the model's input budget


@dataclass
class SummaryResult:
    """The fixed sections (``Summary.SECTION_FIELDS``) and the cost of writing them."""

    content: dict
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None


class SummaryBackend:
    """Write a summary of one paper.

    ``name`` is stored on the summary (and shown on the public page);
    ``model_name`` is empty for backends that are not a language model;
    ``prompt_version`` identifies the instructions, so a change re-runs papers.
    """

    name: str = ""
    model_name: str = ""
    prompt_version: str = ""
    uses_budget: bool = False  # True when the backend reads ``request.source``
    accepts_model: bool = False  # True when ``__init__(model_name=...)`` picks the model

    def written_language(self, request: SummaryRequest) -> str:
        """Return the language this backend writes for ``request``: the summary is stored under it.

        A model writes the language asked for; a backend that cannot (one that
        quotes the paper) overrides this, so no summary claims a language its
        text is not in.
        """
        return request.language

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        raise NotImplementedError
