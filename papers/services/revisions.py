"""Summary revisions: every change is a snapshot, and an editor's text is never overwritten.

A model's output becomes the live summary only while no editor has touched
it; after an edit, a regeneration arrives as a *candidate* revision that an
editor compares and accepts (or dismisses). Reverting writes a new revision.
The summary row holds the live text and points at the revision it came from
(``live_revision``), which says who wrote it; its revisions are the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from papers.models import Paper, RevisionKind, RevisionState, Summary, SummaryRevision
from papers.sections import LIST_SECTIONS
from papers.signals import public_data_changed_on_commit


class EditConflict(Exception):
    """Someone saved the summary since this editor loaded it."""

    def __init__(
        self,
        message: str = "This summary was changed by someone else after you opened it. "
        "Reload to see their version, then re-apply your change.",
    ):
        super().__init__(message)


@dataclass(frozen=True)
class Generation:
    """Who wrote a revision that no person wrote, and what it cost."""

    backend: str
    model_name: str = ""
    prompt_version: str = ""
    source_version: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None


def normalise_content(content: dict) -> dict:
    """Return the fixed schema's sections only, lists as lists of non-empty strings."""
    clean: dict = {}
    for name in Summary.SECTION_FIELDS:
        value = content.get(name)
        if name in LIST_SECTIONS:
            if isinstance(value, str):
                value = [line for line in value.splitlines()]
            clean[name] = [str(item).strip() for item in (value or []) if str(item).strip()]
        else:
            clean[name] = str(value or "").strip()
    return clean


def _apply(summary: Summary, content: dict) -> None:
    for name, value in content.items():
        setattr(summary, name, value)


def _validate(summary: Summary) -> list[dict]:
    # Imported late: validation reads the paper's facts and may import heavy helpers.
    from papers.services.validation import summary_validate

    return summary_validate(summary=summary)


def _lock_summary(*, paper: Paper, language: str) -> tuple[Summary, bool]:
    # of=("self",): PostgreSQL cannot lock the nullable side of the live_revision outer join.
    summary, created = (
        Summary.objects.select_for_update(of=("self",))
        .select_related("live_revision")
        .get_or_create(paper=paper, language=language)
    )
    return summary, created


@transaction.atomic
def summary_record_generated(
    *, paper: Paper, language: str, content: dict, generation: Generation, kind: str = RevisionKind.GENERATED
) -> SummaryRevision:
    """Store a model's (or an importer's) summary as a revision.

    It goes live unless an editor has edited the summary; then it waits as a
    candidate so the editor's text stays intact.
    """
    content = normalise_content(content)
    summary, _created = _lock_summary(paper=paper, language=language)
    as_candidate = summary.is_edited
    revision = SummaryRevision(
        summary=summary,
        kind=kind,
        state=RevisionState.CANDIDATE if as_candidate else RevisionState.APPLIED,
        content=content,
        backend=generation.backend,
        model_name=generation.model_name,
        prompt_version=generation.prompt_version,
        source_version=generation.source_version,
        input_tokens=generation.input_tokens,
        output_tokens=generation.output_tokens,
        latency_ms=generation.latency_ms,
    )
    if as_candidate:
        # Validate the candidate's own text, not the live text it may replace.
        probe = Summary(paper=paper, language=language, **content)
        revision.flags = _validate(probe)
        revision.save()
        return revision
    _apply(summary, content)
    revision.flags = _validate(summary)
    revision.save()
    summary.live_revision = revision
    summary.flags = revision.flags
    summary.lock_version += 1
    summary.reviewed_by = None
    summary.reviewed_at = None
    summary.save()
    public_data_changed_on_commit(paper_ids=[paper.pk])
    return revision


@transaction.atomic
def summary_edit(
    *, summary: Summary, content: dict, user, expected_lock_version: int, public_note: str = ""
) -> Summary:
    """Save an editor's text as the live summary, refusing a stale form.

    ``public_note`` says readers what was corrected; it is shown beside the summary.
    """
    locked = Summary.objects.select_for_update(of=("self",)).select_related("live_revision").get(pk=summary.pk)
    if locked.lock_version != expected_lock_version:
        raise EditConflict()
    _apply(locked, normalise_content({**locked.sections(), **content}))
    locked.is_edited = True
    return _save_with_revision(locked, kind=RevisionKind.EDITED, user=user, public_note=" ".join(public_note.split()))


@transaction.atomic
def summary_apply_revision(*, revision: SummaryRevision, user) -> Summary:
    """Make an earlier revision or a candidate live again, as a new revision."""
    summary = (
        Summary.objects.select_for_update(of=("self",)).select_related("live_revision").get(pk=revision.summary_id)
    )
    _apply(summary, normalise_content(revision.content))
    if revision.state == RevisionState.CANDIDATE:
        revision.state = RevisionState.APPLIED
        revision.save(update_fields=["state"])
    # The live text is an editor's only when the chosen revision was an edit;
    # otherwise later regenerations may replace it again.
    summary.is_edited = revision.kind == RevisionKind.EDITED
    return _save_with_revision(summary, kind=RevisionKind.REVERTED, user=user, origin=revision)


def _save_with_revision(
    summary: Summary, *, kind: str, user, origin: SummaryRevision | None = None, public_note: str = ""
) -> Summary:
    """Re-validate and save a locked summary a person changed, and record the snapshot.

    The new revision keeps the provenance of the text it started from
    (``origin``, else the live revision): a correction of model X's text is
    still model X's summary, corrected.
    """
    origin = origin or summary.live_revision
    revision = SummaryRevision(summary=summary, kind=kind, author=user, public_note=public_note)
    if origin is not None and kind == RevisionKind.REVERTED and origin.kind == RevisionKind.EDITED:
        # Restoring a correction restores what readers were told about it.
        revision.public_note = origin.public_note
    if origin is not None:
        revision.backend = origin.backend
        revision.model_name = origin.model_name
        revision.prompt_version = origin.prompt_version
        revision.source_version = origin.source_version
    revision.flags = _validate(summary)
    revision.content = summary.sections()
    revision.save()
    summary.live_revision = revision
    summary.flags = revision.flags
    summary.lock_version += 1
    summary.save()
    public_data_changed_on_commit(paper_ids=[summary.paper_id])
    return summary


@transaction.atomic
def summary_dismiss_candidate(*, revision: SummaryRevision) -> None:
    if revision.state == RevisionState.CANDIDATE:
        revision.state = RevisionState.DISMISSED
        revision.save(update_fields=["state"])


@transaction.atomic
def summary_mark_reviewed(*, summary: Summary, user) -> Summary:
    now = timezone.now()
    # Readers see the review (the summary's badge): its pages must change with it.
    Summary.objects.filter(pk=summary.pk).update(reviewed_by=user, reviewed_at=now, updated_at=now)
    public_data_changed_on_commit(paper_ids=[summary.paper_id])
    summary.refresh_from_db()
    return summary


def summary_revalidate(*, summary: Summary) -> Summary:
    summary.flags = _validate(summary)
    summary.save(update_fields=["flags", "updated_at"])
    return summary
