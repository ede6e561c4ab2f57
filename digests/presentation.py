"""Text shown around the summaries, shared by pages and feeds."""

from __future__ import annotations

from django.utils.translation import gettext as _


def summary_banner(entries) -> list[dict]:
    """Return who wrote the summaries shown: one item per backend and model."""
    seen: dict[tuple[str, str], dict] = {}
    for entry in entries:
        summary = entry.summary
        if summary is not None and summary.backend:
            seen.setdefault(
                (summary.backend, summary.model_name),
                {
                    "backend": summary.backend,
                    "model_name": summary.model_name,
                    "extractive": summary.backend == "extractive",
                },
            )
    return list(seen.values())


def default_description(digest, entries) -> str:
    """Return the reference post's line: topic, "Update in <date>", first title."""
    first_title = entries[0].paper.title if entries else ""
    return _("%(topic)s: the latest papers are here. Update in %(date)s %(title)s") % {
        "topic": digest.topic.name,
        "date": digest.date.isoformat(),
        "title": " ".join(first_title.split()),
    }
