"""Hexo posts for tests and the import benchmark, derived from the reference post."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

REFERENCE = Path(__file__).parents[1] / "fixtures" / "hexo" / "digest-2024-05-02-diffusion-models.md"
REFERENCE_DATE = datetime.date(2024, 5, 2)


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def placeholder_fixed(steps: list[str]):
    """An editor replaces the reference's "Some Error for method..." steps (paper 2404.17735); return the summary."""
    from papers.models import Summary
    from papers.services.revisions import summary_edit

    summary = Summary.objects.get(paper__arxiv_id="2404.17735")
    return summary_edit(
        summary=summary, content={"method_steps": steps}, user=None, expected_lock_version=summary.lock_version
    )


def variant(text: str, *, number: int) -> str:
    """Return the post as if published ``number`` days later about different papers.

    The reference's own ids (2404.xxxxx) become unique 2405.xxxxx ids; the
    model's wrong links (2302.xxxxx) stay wrong.
    """
    day = REFERENCE_DATE + datetime.timedelta(days=number)
    text = re.sub(r"2404\.(\d{5})", lambda m: f"2405.{number * 10 + _slot(m.group(1)):05d}", text)
    return text.replace(REFERENCE_DATE.isoformat(), day.isoformat())


_SLOTS: dict[str, int] = {}


def _slot(suffix: str) -> int:
    return _SLOTS.setdefault(suffix, len(_SLOTS))


def write_variants(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = reference_text()
    paths = []
    for number in range(1, count + 1):
        path = folder / f"post-{number:04d}.md"
        path.write_text(variant(text, number=number), encoding="utf-8")
        paths.append(path)
    return paths
