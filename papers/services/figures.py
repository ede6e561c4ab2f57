"""What editors decide about a paper's figures: which are shown, and in what order."""

from __future__ import annotations

from django.db import transaction

from papers.models import Figure, Paper
from papers.signals import figures_hidden, public_data_changed_on_commit


@transaction.atomic
def figure_set_hidden(*, figure: Figure, hidden: bool) -> Figure:
    """Hide or show a figure; listeners let go of a hidden one (a digest's cover)."""
    figure.hidden = hidden
    figure.save(update_fields=["hidden"])
    if hidden:
        figures_hidden.send(sender=Figure, figure_ids=[figure.pk])
    public_data_changed_on_commit(paper_ids=[figure.paper_id])
    return figure


@transaction.atomic
def figures_reorder(*, paper: Paper, figure_ids: list[int]) -> None:
    """Order a paper's figures as listed; unlisted ones follow in their current order."""
    figures = rows_listed_first(list(paper.figures.all()), key=lambda f: f.id, wanted=figure_ids, field="order")
    Figure.objects.bulk_update(figures, ["order"])
    public_data_changed_on_commit(paper_ids=[paper.pk])


def rows_listed_first(rows: list, *, key, wanted: list[int], field: str) -> list:
    """Renumber ``field`` so the ``wanted`` rows come first in that order, the rest after as they were."""
    rank = {value: i for i, value in enumerate(wanted)}
    rows.sort(key=lambda r: (0, rank[key(r)], 0) if key(r) in rank else (1, getattr(r, field), r.pk))
    for number, row in enumerate(rows):
        setattr(row, field, number)
    return rows
