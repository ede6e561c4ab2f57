"""Signals papers sends; other apps listen without papers importing them."""

from django.db import transaction
from django.dispatch import Signal

# Sent after commit with ``paper_ids``: what the public site shows of them changed.
public_data_changed = Signal()


def public_data_changed_on_commit(*, paper_ids: list[int]) -> None:
    """Send ``public_data_changed`` once the current transaction commits."""
    ids = list(paper_ids)
    transaction.on_commit(lambda: public_data_changed.send(sender=None, paper_ids=ids))
