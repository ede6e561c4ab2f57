"""Migration 0006: offline summaries labelled with a topic's language move to the language they are written in."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from papers.models import RevisionKind, Summary, SummaryRevision
from tests.factories import PaperFactory, SummaryFactory

migration = importlib.import_module("papers.migrations.0006_summary_true_language")

PAPER_FIELDS = ("arxiv_id", "title", "abstract", "authors", "published", "updated", "abs_url", "pdf_url")
ENGLISH = "Diffusion models generate images from text prompts with strong results."


def _relabel():
    migration.summaries_relabel(django_apps, None)


@pytest.mark.django_db
def test_an_english_offline_summary_labelled_chinese_becomes_english():
    summary = SummaryFactory(language="zh-hans", one_line=ENGLISH)
    _relabel()
    summary.refresh_from_db()
    assert summary.language == "en"
    assert summary.one_line == ENGLISH


@pytest.mark.django_db
def test_a_model_written_chinese_summary_is_left_alone():
    summary = SummaryFactory(language="zh-hans", backend="openai", one_line="扩散模型根据文本生成图像。")
    _relabel()
    summary.refresh_from_db()
    assert summary.language == "zh-hans"


@pytest.mark.django_db
def test_an_offline_summary_in_the_papers_language_is_left_alone():
    summary = SummaryFactory(language="en", one_line=ENGLISH)
    _relabel()
    summary.refresh_from_db()
    assert summary.language == "en"


@pytest.mark.django_db
def test_an_unedited_mislabelled_copy_beside_an_english_summary_is_deleted():
    paper = PaperFactory()
    english = SummaryFactory(paper=paper, language="en", one_line=ENGLISH)
    mislabelled = SummaryFactory(paper=paper, language="zh-hans", one_line=ENGLISH)
    _relabel()
    assert list(Summary.objects.filter(paper=paper)) == [english]
    assert not SummaryRevision.objects.filter(summary_id=mislabelled.pk).exists()


@pytest.mark.django_db
def test_an_edited_mislabelled_copy_beside_an_english_summary_is_kept():
    paper = PaperFactory()
    SummaryFactory(paper=paper, language="en", one_line=ENGLISH)
    edited = SummaryFactory(paper=paper, language="zh-hans", one_line="An editor's English text about diffusion.")
    SummaryRevision.objects.create(summary=edited, kind=RevisionKind.EDITED, content=edited.sections())
    _relabel()
    assert set(Summary.objects.filter(paper=paper).values_list("language", flat=True)) == {"en", "zh-hans"}
    edited.refresh_from_db()
    assert edited.one_line == "An editor's English text about diffusion."


@pytest.mark.django_db(transaction=True)
def test_the_migration_relabels_when_run_forward():
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("papers")
    before = ("papers", "0005_content_affiliation_note_link_role")
    executor.migrate([before])
    # Rows written through the models as they were then: a later migration may add columns.
    old = executor.loader.project_state(before).apps
    paper = old.get_model("papers", "Paper").objects.create(
        **{name: getattr(PaperFactory.build(), name) for name in PAPER_FIELDS}
    )
    summary = old.get_model("papers", "Summary").objects.create(paper=paper, language="zh-hans", one_line=ENGLISH)
    revision = old.get_model("papers", "SummaryRevision").objects.create(
        summary=summary, kind=RevisionKind.GENERATED, content={"one_line": ENGLISH}, backend="extractive"
    )
    summary.live_revision = revision
    summary.save(update_fields=["live_revision"])
    executor = MigrationExecutor(connection)
    executor.migrate(leaf)
    summary.refresh_from_db()
    assert summary.language == "en"
