"""The migration to Summary.live_revision keeps every revision and loses no provenance, on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("papers", "0003_rateslot_recent")]
SECTIONS = {
    "one_line": "Diffusion models erase concepts.",
    "key_takeaways": ["One.", "Two."],
    "translated_title": "",
    "keywords": ["diffusion"],
    "background": "Background.",
    "prior_work": "Prior work.",
    "method": "Method.",
    "results": "Results.",
    "method_steps": ["Step."],
    "significance": "",
    "innovation": "",
    "performance": "",
    "workload": "",
}
BLOCKING = [{"code": "unknown_author", "message": "author not in metadata: X", "blocking": True, "section": ""}]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("papers")


@pytest.fixture
def old_apps(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    _migrate(_latest())


def _summary(apps, arxiv_id, **fields):
    Paper = apps.get_model("papers", "Paper")
    Summary = apps.get_model("papers", "Summary")
    paper = Paper.objects.create(
        arxiv_id=arxiv_id,
        title="A paper",
        abstract="About diffusion models.",
        published=datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc),
        updated=datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc),
    )
    return Summary.objects.create(paper=paper, language="en", **SECTIONS, **fields)


def test_live_revision_is_the_applied_revision_showing_the_summarys_text(old_apps):
    SummaryRevision = old_apps.get_model("papers", "SummaryRevision")
    summary = _summary(
        old_apps, "2404.00001", backend="openai", model_name="gpt-x", prompt_version="p3", source_version=1
    )
    older = SummaryRevision.objects.create(summary=summary, kind="generated", state="applied", content={"x": 1})
    shown = SummaryRevision.objects.create(summary=summary, kind="generated", state="applied", content=SECTIONS)
    candidate = SummaryRevision.objects.create(summary=summary, kind="generated", state="candidate", content={})

    new_apps = _migrate(_latest())

    Summary = new_apps.get_model("papers", "Summary")
    migrated = Summary.objects.get(pk=summary.pk)
    assert set(migrated.revisions.values_list("pk", flat=True)) == {older.pk, shown.pk, candidate.pk}
    assert migrated.live_revision_id == shown.pk
    live = new_apps.get_model("papers", "SummaryRevision").objects.get(pk=shown.pk)
    assert (live.backend, live.model_name, live.prompt_version, live.source_version) == ("openai", "gpt-x", "p3", 1)


def test_summary_without_a_matching_revision_gets_one_from_its_own_columns(old_apps):
    summary = _summary(
        old_apps, "2404.00002", backend="extractive", prompt_version="p1", input_tokens=12, flags=BLOCKING
    )

    new_apps = _migrate(_latest())

    migrated = new_apps.get_model("papers", "Summary").objects.get(pk=summary.pk)
    (live,) = migrated.revisions.all()
    assert migrated.live_revision_id == live.pk
    assert (live.backend, live.prompt_version, live.input_tokens, live.content) == ("extractive", "p1", 12, SECTIONS)
    assert migrated.has_blocking_flags and migrated.flag_codes == " unknown_author "


def test_migrating_back_restores_the_provenance_columns(old_apps):
    summary = _summary(old_apps, "2404.00003", backend="openai", model_name="gpt-x", output_tokens=34)
    _migrate(_latest())

    back = _migrate(BEFORE).get_model("papers", "Summary").objects.get(pk=summary.pk)

    assert (back.backend, back.model_name, back.output_tokens) == ("openai", "gpt-x", 34)
