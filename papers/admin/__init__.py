"""The editor's desk for papers: review queue, summary editor, history, figures, actions, dashboard.

Editors (the "Editor" group, see ``manage.py setup_roles``) hold view/change
permissions on papers, contents, figures, summaries and digests only; topics,
users, groups and django-q2 schedules stay with superusers because nobody
else has their permissions. The digests app extends the summary admin with
what it knows (which digests list a paper, their covers).
"""

from . import figures, papers, summaries  # noqa: F401  (each registers its ModelAdmins)
