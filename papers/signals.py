"""Signals papers sends; other apps (digests) listen without papers importing them.

These are papers' only outward arrows: a listener may import papers, papers
never imports a listener.
"""

from django.db import transaction
from django.dispatch import Signal

# Sent after commit with ``paper_ids``: what the public site shows of them changed.
public_data_changed = Signal()

# Sent with ``paper_ids`` when a pipeline batch has finished with these papers
# (summarized or failed): the digests that list them can be brought up to date.
papers_processed = Signal()

# Sent with ``run`` when an ingest run has stored a topic's day, whatever it
# found (an empty day still gets a digest saying why).
ingest_finished = Signal()

# Sent inside the transaction with ``figure_ids`` that were just hidden, so
# whatever shows a figure by choice (a digest's cover) can let go of it.
figures_hidden = Signal()


def public_data_changed_on_commit(*, paper_ids: list[int]) -> None:
    """Send ``public_data_changed`` once the current transaction commits."""
    ids = list(paper_ids)
    transaction.on_commit(lambda: public_data_changed.send(sender=None, paper_ids=ids))


# Sent by ``manage.py setup_schedules`` with ``write(message)``: apps built on
# papers create or update their own recurring django-q2 schedules.
schedules_setup = Signal()
