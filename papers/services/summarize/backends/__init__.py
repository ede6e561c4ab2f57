"""Summary backends: one class each, chosen by ``settings.DIGEST_LLM``."""

from __future__ import annotations

from django.conf import settings

from papers.services.summarize.backends.base import SummaryBackend, SummaryRequest, SummaryResult

__all__ = ["SummaryBackend", "SummaryRequest", "SummaryResult", "backend_get"]


def _registry() -> dict[str, type[SummaryBackend]]:
    from papers.services.summarize.backends.extractive import ExtractiveBackend
    from papers.services.summarize.backends.openai import OpenAIBackend

    return {cls.name: cls for cls in (ExtractiveBackend, OpenAIBackend)}


def backend_get(name: str | None = None, *, model_name: str = "") -> SummaryBackend:
    """Return a configured backend instance: ``name`` or ``settings.DIGEST_LLM``.

    ``model_name`` overrides ``DIGEST_LLM_MODEL`` for backends that are a model.
    """
    name = name or settings.DIGEST_LLM
    registry = _registry()
    if name not in registry:
        raise ValueError(f"Unknown summary backend {name!r}; choose one of {', '.join(sorted(registry))}.")
    cls = registry[name]
    return cls(model_name=model_name) if model_name and cls.accepts_model else cls()
