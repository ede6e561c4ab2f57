"""Editor edits are never lost: regenerations after an edit wait as candidates."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model

from papers.models import Paper, RevisionKind, RevisionState, Summary
from papers.services.revisions import (
    EditConflict,
    summary_apply_revision,
    summary_dismiss_candidate,
    summary_edit,
)
from papers.services.summarize import paper_summarize, papers_summarize
from tests.factories import PaperFactory
from tests.fake_llm import Reply, answer
from tests.threads import workers_start

EDIT = "An editor's corrected one-line summary of diffusion models for image generation."
REGENERATED = "A regenerated summary of diffusion models for image generation on ImageNet."


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password="x")


@pytest.mark.django_db(transaction=True)
def test_edit_made_while_regenerating_survives_and_regeneration_is_a_candidate(fake_llm, editor):
    paper = PaperFactory()
    summary = paper_summarize(paper=paper, language="en")
    Paper.objects.filter(pk=paper.pk).update(version=2)
    release = threading.Event()
    fake_llm.script(Reply(answer("en", one_line=REGENERATED), wait_for=release))

    [worker] = workers_start(lambda: papers_summarize(papers=[Paper.objects.get(pk=paper.pk)]))
    deadline = time.monotonic() + 10
    while len(fake_llm.requests) < 2 and time.monotonic() < deadline:  # the model is now "thinking"
        time.sleep(0.01)
    summary_edit(summary=summary, content={"one_line": EDIT}, user=editor, expected_lock_version=summary.lock_version)
    release.set()
    worker.join(15)

    assert worker.result == {paper.pk: None}
    summary.refresh_from_db()
    assert summary.one_line == EDIT and summary.is_edited
    candidate = summary.revisions.get(state=RevisionState.CANDIDATE)
    assert candidate.content["one_line"] == REGENERATED
    assert candidate.kind == RevisionKind.GENERATED and candidate.source_version == 2


@pytest.mark.django_db(transaction=True)
def test_racing_edit_and_regeneration_never_lose_the_edit_silently(fake_llm, editor):
    for _ in range(4):
        paper = PaperFactory()
        summary = paper_summarize(paper=paper, language="en")
        fake_llm.script(Reply(answer("en", one_line=REGENERATED)))
        start = threading.Barrier(2)

        def edit():
            start.wait()
            return summary_edit(
                summary=summary, content={"one_line": EDIT}, user=editor, expected_lock_version=summary.lock_version
            )

        def regenerate():
            start.wait()
            return paper_summarize(paper=Paper.objects.get(pk=paper.pk), language="en", force=True)

        editing, regenerating = workers_start(edit, regenerate)
        for worker in (editing, regenerating):
            worker.join(15)

        assert regenerating.error is None
        live = Summary.objects.get(pk=summary.pk)
        if editing.error is not None:
            # The regeneration landed first; the editor is told to reload, not silently overwritten.
            assert isinstance(editing.error, EditConflict)
            assert live.one_line == REGENERATED
        else:
            assert live.one_line == EDIT and live.is_edited
            assert live.revisions.filter(state=RevisionState.CANDIDATE, content__one_line=REGENERATED).exists()


@pytest.mark.django_db
def test_stale_edit_form_is_refused(editor):
    paper = PaperFactory()
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    stale = summary.lock_version
    summary_edit(summary=summary, content={"one_line": EDIT}, user=editor, expected_lock_version=stale)

    with pytest.raises(EditConflict):
        summary_edit(summary=summary, content={"one_line": "Another text"}, user=editor, expected_lock_version=stale)
    summary.refresh_from_db()
    assert summary.one_line == EDIT


@pytest.mark.django_db
def test_accepting_a_candidate_makes_it_live_and_keeps_the_edit_in_history(fake_llm, editor):
    paper = PaperFactory()
    summary = paper_summarize(paper=paper, language="en")
    summary = summary_edit(
        summary=summary, content={"one_line": EDIT}, user=editor, expected_lock_version=summary.lock_version
    )
    fake_llm.script(Reply(answer("en", one_line=REGENERATED)))
    paper_summarize(paper=paper, language="en", force=True)
    candidate = summary.revisions.get(state=RevisionState.CANDIDATE)

    summary = summary_apply_revision(revision=candidate, user=editor)

    assert summary.one_line == REGENERATED and not summary.is_edited
    assert summary.revisions.filter(kind=RevisionKind.EDITED, content__one_line=EDIT).exists()
    candidate.refresh_from_db()
    assert candidate.state == RevisionState.APPLIED


@pytest.mark.django_db
def test_candidate_is_validated_against_the_language_it_is_written_in():
    paper = PaperFactory()
    summary = paper_summarize(paper=paper, language="zh-hans", backend="extractive")
    Summary.objects.filter(pk=summary.pk).update(is_edited=True)

    paper_summarize(paper=paper, language="zh-hans", backend="extractive", force=True)

    candidate = summary.revisions.get(state=RevisionState.CANDIDATE)
    assert [f["code"] for f in candidate.flags if f["blocking"]] == []


@pytest.mark.django_db
def test_dismissed_candidate_leaves_the_live_text(fake_llm, editor):
    paper = PaperFactory()
    summary = paper_summarize(paper=paper, language="en")
    summary_edit(summary=summary, content={"one_line": EDIT}, user=editor, expected_lock_version=summary.lock_version)
    fake_llm.script(Reply(answer("en", one_line=REGENERATED)))
    paper_summarize(paper=paper, language="en", force=True)

    summary_dismiss_candidate(revision=summary.revisions.get(state=RevisionState.CANDIDATE))

    summary.refresh_from_db()
    assert summary.one_line == EDIT
    assert summary.revisions.filter(state=RevisionState.DISMISSED).count() == 1
