"""Importing Hexo digest posts: rows, validation flags, idempotency, malformed posts, images."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from digests.models import Digest, DigestEntry, DigestStatus
from digests.search import search_papers
from digests.services import hexo_import as importer
from digests.services.hexo_import import hexo_file_import, hexo_import
from papers.models import Figure, Paper, RevisionKind, RevisionState, Summary, SummaryRevision, Topic
from papers.services.revisions import summary_edit
from tests.digests.hexo_posts import REFERENCE, placeholder_fixed, reference_text, variant
from tests.factories import PaperFactory, TopicFactory
from tests.servers import FakeServer, Reply

pytestmark = pytest.mark.django_db


def codes(arxiv_id):
    return {flag["code"] for flag in Summary.objects.get(paper__arxiv_id=arxiv_id).flags}


def flag_messages(arxiv_id, code):
    return " ".join(f["message"] for f in Summary.objects.get(paper__arxiv_id=arxiv_id).flags if f["code"] == code)


@pytest.fixture
def imported():
    report = hexo_file_import(path=REFERENCE)
    assert report.error is None, report.describe()
    return report


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Topic, Paper, Summary, SummaryRevision, Figure, Digest, DigestEntry)
    }


def test_reference_post_imports_seven_papers_with_facts_from_its_metadata(imported):
    assert Paper.objects.count() == 7
    flexi = Paper.objects.get(arxiv_id="2404.18620")
    assert flexi.version == 1
    assert flexi.title == "FlexiFilm: Long Video Generation with Flexible Conditions"
    assert flexi.authors == ["Yichen Ouyang", "jianhao Yuan", "Hao Zhao", "Gaoang Wang", "Bo zhao"]
    assert flexi.comment == "9 pages, 9 figures"
    assert flexi.abs_url == "https://arxiv.org/abs/2404.18620v1"
    assert flexi.published.date() == datetime.date(2024, 5, 2)
    assert set(flexi.topics.values_list("slug", flat=True)) == {"diffusion-models"}


def test_reference_post_becomes_a_published_digest_in_post_order(imported):
    digest = Digest.objects.get()
    assert digest.topic.name == "Diffusion Models"
    assert digest.date == datetime.date(2024, 5, 2)
    assert digest.status == DigestStatus.PUBLISHED
    assert digest.published_at == datetime.datetime(2024, 5, 2, 10, 21, 37, tzinfo=datetime.UTC)
    assert list(digest.entries.order_by("position").values_list("paper__arxiv_id", flat=True)) == [
        "2404.19382",
        "2404.18919",
        "2404.18620",
        "2404.18598",
        "2404.18065",
        "2404.17900",
        "2404.17735",
    ]
    assert digest in Digest.objects.published()
    assert digest.cover_figure.source_url == "https://pic1.zhimg.com/v2-abb4a9d2f1e50d8adfd617a0dc760606.jpg"


def test_imported_post_is_searchable(imported):
    flexi = Paper.objects.get(arxiv_id="2404.18620")
    assert search_papers(query="FlexiFilm", limit=5).paper_ids == [flexi.pk]


def test_summaries_are_imported_revisions_naming_the_model(imported):
    summary = Summary.objects.get(paper__arxiv_id="2404.19382")
    assert summary.language == "zh-hans"
    assert (summary.backend, summary.model_name, summary.source_version) == ("hexo-import", "Gemini-Pro", 1)
    revision = summary.revisions.get()
    assert revision.kind == RevisionKind.IMPORTED and revision.state == RevisionState.APPLIED
    assert all(summary.sections().values())
    assert len(summary.key_takeaways) == 7


def test_invented_authors_affiliation_and_link_of_grounded_dreamer_are_flagged(imported):
    assert {"unknown_author", "foreign_reference", "claimed_affiliation"} <= codes("2404.18065")
    assert "Xudong Zhang" in flag_messages("2404.18065", "unknown_author")
    assert "2302.04742" in flag_messages("2404.18065", "foreign_reference")
    assert "麻省理工学院" in flag_messages("2404.18065", "claimed_affiliation")
    assert Summary.objects.get(paper__arxiv_id="2404.18065").has_blocking_flags


def test_wrong_link_and_extra_author_of_flexifilm_are_flagged_but_case_variants_are_not(imported):
    assert {"unknown_author", "foreign_reference"} <= codes("2404.18620")
    authors = flag_messages("2404.18620", "unknown_author")
    assert "Tiejun Huang" in authors
    assert "Jianhao Yuan" not in authors and "Bo Zhao" not in authors
    assert "2302.09413" in flag_messages("2404.18620", "foreign_reference")


def test_placeholder_instead_of_a_method_is_flagged(imported):
    summary = Summary.objects.get(paper__arxiv_id="2404.17735")
    flags = [f for f in summary.flags if f["code"] == "placeholder_text"]
    assert flags and flags[0]["section"] == "method_steps" and flags[0]["blocking"]


def test_a_paper_whose_analysis_agrees_with_its_facts_gets_no_claim_flags(imported):
    assert not codes("2404.19382") & {"unknown_author", "foreign_reference", "claimed_affiliation"}


def test_report_lists_what_was_created_and_flagged(imported):
    assert imported.created["papers"] == 7 and imported.created["digests"] == 1
    assert set(imported.flagged) == {"2404.18065", "2404.18620", "2404.17735"}
    assert "flagged 3" in imported.describe()


def test_figures_are_kept_as_remote_references_in_post_order(imported):
    figures = list(Figure.objects.filter(paper__arxiv_id="2404.19382").order_by("order"))
    assert len(figures) == 6
    assert figures[0].source_url == "https://picx.zhimg.com/v2-aeb2a7c17e04ea32837496f134911073.jpg"
    assert [f.order for f in figures] == list(range(6))
    assert all(not f.is_automatic and f.kind == "figure" and not f.image for f in figures)
    assert Figure.objects.count() == 30


def test_reimporting_the_same_post_changes_nothing(imported):
    before = row_counts()
    digest_updated = Digest.objects.get().updated_at
    summary_lock = Summary.objects.get(paper__arxiv_id="2404.18065").lock_version
    report = hexo_file_import(path=REFERENCE)
    assert not report.changed, report.describe()
    assert row_counts() == before
    assert Digest.objects.get().updated_at == digest_updated
    assert Summary.objects.get(paper__arxiv_id="2404.18065").lock_version == summary_lock
    assert report.unchanged["summaries"] == 7
    assert set(report.flagged) == {"2404.18065", "2404.18620", "2404.17735"}


def test_reimport_after_an_editor_fixed_a_summary_keeps_the_fix(imported):
    summary = placeholder_fixed(["编码器提取因果变量。"])
    report = hexo_file_import(path=REFERENCE)
    assert not report.changed
    assert Summary.objects.get(pk=summary.pk).method_steps == ["编码器提取因果变量。"]


def test_a_changed_post_arrives_as_a_candidate_when_the_summary_was_edited(imported, tmp_path):
    summary = Summary.objects.get(paper__arxiv_id="2404.17900")
    summary_edit(
        summary=summary, content={"one_line": "编辑写的一句话。"}, user=None, expected_lock_version=summary.lock_version
    )
    changed = tmp_path / "post.md"
    changed.write_text(reference_text().replace("利用扩散模型对正态图像采样", "利用扩散模型对正常图像采样"))
    report = hexo_file_import(path=changed)
    assert report.created["candidate revisions"] == 1
    summary.refresh_from_db()
    assert summary.one_line == "编辑写的一句话。"
    assert summary.revisions.filter(state=RevisionState.CANDIDATE, kind=RevisionKind.IMPORTED).count() == 1


def test_a_changed_summary_in_the_post_is_a_new_revision(imported, tmp_path):
    changed = tmp_path / "post.md"
    changed.write_text(reference_text().replace("利用扩散模型对正态图像采样", "利用扩散模型对正常图像采样"))
    report = hexo_file_import(path=changed)
    assert report.updated["summaries"] == 1
    summary = Summary.objects.get(paper__arxiv_id="2404.17900")
    assert summary.one_line.startswith("利用扩散模型对正常图像采样")
    assert summary.revisions.count() == 2


def test_malformed_post_is_skipped_with_file_and_line_and_the_rest_imported(tmp_path):
    good = tmp_path / "a-good.md"
    good.write_text(variant(reference_text(), number=1))
    text = variant(reference_text(), number=2)
    lines = text.splitlines()
    authors_at = next(i for i, line in enumerate(lines) if line.startswith("**Authors:Xiaolong Li"))
    del lines[authors_at]
    bad = tmp_path / "b-bad.md"
    bad.write_text("\n".join(lines))
    reports = hexo_import(paths=[tmp_path])
    by_name = {Path(r.path).name: r for r in reports}
    assert by_name["a-good.md"].error is None
    error = by_name["b-bad.md"].error
    assert lines[error.line - 1].startswith("## Grounded Compositional")
    assert f"b-bad.md:{error.line}:" in by_name["b-bad.md"].describe()
    # Nothing of the bad post was written, not even its first four (parseable) papers.
    assert Digest.objects.count() == 1
    assert Paper.objects.count() == 7


def test_a_failure_while_writing_leaves_no_half_digest(monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_figures", crash)
    report = hexo_file_import(path=REFERENCE)
    assert report.skipped and "disk full" in report.error.message
    assert row_counts() == {name: 0 for name in row_counts()}


def test_topic_option_imports_into_that_topic():
    topic = TopicFactory(slug="gen-models", name="Generative models", language="zh-hans")
    hexo_file_import(path=REFERENCE, topic=topic)
    assert Digest.objects.get().topic == topic
    assert not Topic.objects.exclude(pk=topic.pk).exists()


def test_an_older_post_does_not_overwrite_facts_of_a_newer_paper_version():
    PaperFactory(arxiv_id="2404.18620", version=2, title="FlexiFilm (v2 title from arXiv)")
    report = hexo_file_import(path=REFERENCE)
    paper = Paper.objects.get(arxiv_id="2404.18620")
    assert (paper.version, paper.title) == (2, "FlexiFilm (v2 title from arXiv)")
    assert report.unchanged["papers"] == 1


def png_bytes(size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_fetch_images_downloads_figures_into_storage_and_keeps_the_url(tmp_path):
    with FakeServer() as server:
        server.route("/fig/a.png", Reply(200, png_bytes(), {"Content-Type": "image/png"}))
        text = reference_text()
        text = text.replace("https://picx.zhimg.com/v2-aeb2a7c17e04ea32837496f134911073.jpg", server.url("/fig/a.png"))
        text = text.replace(
            "https://picx.zhimg.com/v2-3cfab2dba37aac49c7649b71ac867d79.jpg", server.url("/fig/gone.png")
        )
        text = text.replace("https://", "http://127.0.0.1:9/")  # every other image: nothing listens
        post = tmp_path / "post.md"
        post.write_text(text)
        report = hexo_file_import(path=post, fetch_images=True)
    figure = Figure.objects.get(source_url=server.url("/fig/a.png"))
    assert (figure.width, figure.height) == (64, 48)
    assert figure.image.storage.exists(figure.image.name) and figure.thumbnail
    gone = Figure.objects.get(source_url=server.url("/fig/gone.png"))
    assert not gone.image
    assert report.updated["downloaded images"] == 1
    assert any("gone.png" in w.message and "404" in w.message for w in report.warnings)


def test_command_imports_a_folder_and_prints_a_line_per_file(tmp_path, capsys):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "post.md").write_text(reference_text())
    call_command("import_hexo", str(tmp_path))
    out = capsys.readouterr().out
    assert "post.md: created 1 topics, 7 papers" in out
    assert "flagged 3" in out
    assert "1 file(s): 1 imported or updated, 0 unchanged, 0 skipped" in out


def test_command_reports_a_broken_file_and_exits_non_zero(tmp_path, capsys):
    (tmp_path / "broken.md").write_text("---\ntitle: [oops\n---\n")
    (tmp_path / "good.md").write_text(reference_text())
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_hexo", str(tmp_path))
    captured = capsys.readouterr()
    assert "broken.md:2:" in captured.err
    assert Digest.objects.count() == 1


def test_a_folder_of_generated_posts_becomes_one_digest_per_day(tmp_path):
    from tests.digests.hexo_posts import write_variants

    write_variants(tmp_path / "posts", 4)
    reports = hexo_import(paths=[tmp_path])
    assert [r.error for r in reports] == [None] * 4
    assert Digest.objects.count() == 4 and Paper.objects.count() == 28
    assert Topic.objects.count() == 1
    assert sorted(Digest.objects.values_list("date", flat=True)) == [
        datetime.date(2024, 5, day) for day in (3, 4, 5, 6)
    ]


def test_reimport_keeps_what_editors_decided_on_the_digest(imported):
    from digests.services.publish import digest_reorder, digest_unpublish
    from papers.services.figures import figures_reorder

    digest = Digest.objects.get()
    last = Paper.objects.get(arxiv_id="2404.17735")
    digest_reorder(digest=digest, paper_ids=[last.pk])
    figures = list(last.figures.order_by("order"))
    figures_reorder(paper=last, figure_ids=[figures[1].pk])
    digest_unpublish(digest=digest)
    report = hexo_file_import(path=REFERENCE)
    assert not report.changed, report.describe()
    digest.refresh_from_db()
    assert digest.status == DigestStatus.DRAFT
    assert digest.entries.order_by("position").first().paper == last
    assert last.figures.order_by("order").first() == figures[1]
