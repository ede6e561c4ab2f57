"""Migration digests 0005: descriptions the build wrote are cleared, an editor's stays."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from digests.models import Digest
from tests.factories import DigestFactory, TopicFactory

migration = importlib.import_module("digests.migrations.0005_digest_description_is_the_editors")

DAY = datetime.date(2024, 5, 2)
BEFORE = [("digests", "0004_related_papers")]


def _clear():
    migration.descriptions_clear_ours(django_apps, None)


def _description_after(*, description: str, language: str = "en", name: str = "Diffusion Models") -> str:
    digest = DigestFactory(topic=TopicFactory(name=name, language=language), date=DAY, description=description)
    _clear()
    digest.refresh_from_db()
    return digest.description


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "description"),
    [
        ("en", "Latest Diffusion Models papers, updated 2024-05-02"),
        ("en", "Latest Diffusion Models papers, updated 2024-05-02: Probing Unlearned Diffusion Models"),
        ("zh-hans", "Diffusion Models 方向最新论文已更新，请持续关注 Update in 2024-05-02"),
        # The reference posts' shape: the first title wrapped, with runs of spaces.
        (
            "zh-hans",
            "Diffusion Models 方向最新论文已更新，请持续关注 Update in 2024-05-02  Probing Unlearned\n  Diffusion Models ",
        ),
    ],
)
def test_a_description_the_build_wrote_is_cleared(language, description):
    assert _description_after(description=description, language=language) == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "description",
    [
        "Latest thoughts from the editor.",
        # Our wording, but for another day or another topic name: not what the build wrote for this digest.
        "Latest Diffusion Models papers, updated 2024-05-03: Probing Unlearned Diffusion Models",
        "Latest Video Models papers, updated 2024-05-02: Probing Unlearned Diffusion Models",
        # An editor who starts from our words and goes on in their own.
        "Latest Diffusion Models papers, updated 2024-05-02, and the best of them is the first.",
    ],
)
def test_an_editors_description_is_kept(description):
    assert _description_after(description=description) == description


@pytest.mark.django_db
def test_the_english_wording_on_a_chinese_topic_is_kept():
    description = "Latest Diffusion Models papers, updated 2024-05-02: Probing"
    assert _description_after(description=description, language="zh-hans") == description


@pytest.fixture
def old_apps(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_run_forward_clears_ours_and_keeps_an_editors(old_apps):
    Topic = old_apps.get_model("papers", "Topic")
    OldDigest = old_apps.get_model("digests", "Digest")
    english = Topic.objects.create(
        name="Diffusion Models", slug="diffusion", arxiv_query="all:diffusion", language="en"
    )
    chinese = Topic.objects.create(name="扩散模型", slug="kuosan", arxiv_query="all:diffusion", language="zh-hans")
    ours = OldDigest.objects.create(
        topic=english, date=DAY, description="Latest Diffusion Models papers, updated 2024-05-02: A Title"
    )
    ours_zh = OldDigest.objects.create(
        topic=chinese, date=DAY, description="扩散模型 方向最新论文已更新，请持续关注 Update in 2024-05-02 某篇论文"
    )
    editors = OldDigest.objects.create(topic=english, date=DAY + datetime.timedelta(days=1), description="My own.")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(Digest.objects.values_list("pk", "description")) == {ours.pk: "", ours_zh.pk: "", editors.pk: "My own."}
