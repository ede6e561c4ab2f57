"""Exporting published digests as Hexo posts shaped like the reference digest."""

import datetime
import re

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from digests.hexo.parser import parse_post
from digests.models import Digest, DigestEntry
from digests.services.hexo_export import digest_export_markdown, hexo_export
from digests.services.hexo_import import hexo_file_import
from papers.models import Figure, Summary
from tests.digests.hexo_posts import REFERENCE, placeholder_fixed, reference_text
from tests.factories import DigestEntryFactory, DigestFactory, FigureFactory, SummaryFactory, TopicFactory

pytestmark = pytest.mark.django_db


def front_matter_keys(text):
    body = text.strip().split("---")[1]
    return list(yaml.safe_load(body).keys())


def blocks(text):
    return {block.split("\n", 1)[0]: block for block in re.split(r"\n(?=## )", text)[1:]}


@pytest.fixture
def digest():
    hexo_file_import(path=REFERENCE)
    return Digest.objects.select_related("topic").get()


def test_front_matter_has_the_reference_keys_in_the_same_order(digest):
    exported = digest_export_markdown(digest=digest)
    assert front_matter_keys(exported) == front_matter_keys(reference_text())
    front = yaml.safe_load(exported.strip().split("---")[1])
    assert front["title"] == "Diffusion Models" and front["tags"] == ["Diffusion Models"]
    assert front["date"] == datetime.datetime(2024, 5, 2, 10, 21, 37)
    assert front["cover"] == "https://pic1.zhimg.com/v2-abb4a9d2f1e50d8adfd617a0dc760606.jpg"


def test_every_paper_block_has_the_reference_section_order(digest):
    exported = digest_export_markdown(digest=digest)
    markers = [
        "**Authors:",
        "[PDF](",
        "**Summary**",
        "**Key Takeaways**",
        "<ol>",
        "论文标题：",
        "作者：",
        "关键词：",
        "论文链接：",
        "<p>摘要：",
        "<p>方法：",
        "<p>结论：",
        "</ol>",
        "<details>",
    ]
    found = blocks(exported)
    assert len(found) == 7
    for heading, block in found.items():
        positions = [block.find(marker) for marker in markers]
        assert -1 not in positions, (heading, dict(zip(markers, positions)))
        assert positions == sorted(positions), heading


def test_facts_are_written_from_metadata_never_from_the_model(digest):
    exported = digest_export_markdown(digest=digest)
    flexi = next(b for h, b in blocks(exported).items() if h.startswith("## FlexiFilm"))
    assert "**Authors:Yichen Ouyang, jianhao Yuan, Hao Zhao, Gaoang Wang, Bo zhao**" in flexi
    assert "<p>作者：Yichen Ouyang, jianhao Yuan, Hao Zhao, Gaoang Wang, Bo zhao</p>" in flexi
    assert "[PDF](https://arxiv.org/abs/2404.18620v1) 9 pages, 9 figures" in flexi
    for invented in ("Tiejun Huang", "2302.09413", "Xudong Zhang", "2302.04742", "麻省理工学院"):
        assert invented not in exported


def test_banner_names_the_backend_and_model_and_counts_edits(digest):
    placeholder_fixed(["编码器提取因果变量。"])
    exported = digest_export_markdown(digest=digest)
    banner = exported.split("# 2024-05-02")[0]
    assert "[Gemini-Pro](" in banner and "hexo-import" in banner
    assert "其中 1 篇的总结经编辑人工修订" in banner
    assert parse_post(exported).model_name == "Gemini-Pro"


def test_an_editor_fix_of_a_flagged_error_is_in_the_exported_post(digest):
    summary = Summary.objects.get(paper__arxiv_id="2404.17735")
    assert any(f["code"] == "placeholder_text" for f in summary.flags)
    fixed = placeholder_fixed(["用编码器从高维数据中提取因果变量。", "用基于 DDIM 的过程生成反事实。"])
    assert not any(f["code"] == "placeholder_text" for f in fixed.flags)
    exported = digest_export_markdown(digest=digest)
    assert "Some Error for method" not in exported
    causal = next(b for h, b in blocks(exported).items() if h.startswith("## Causal Diffusion"))
    assert "<p>（1）：用编码器从高维数据中提取因果变量。</p>" in causal
    assert "<p>（2）：用基于 DDIM 的过程生成反事实。</p>" in causal


def test_hidden_entries_and_hidden_figures_are_left_out(digest):
    DigestEntry.objects.filter(digest=digest, paper__arxiv_id="2404.18620").update(hidden=True)
    hidden = Figure.objects.filter(paper__arxiv_id="2404.19382").order_by("order").first()
    Figure.objects.filter(pk=hidden.pk).update(hidden=True)
    exported = digest_export_markdown(digest=digest)
    assert "FlexiFilm" not in exported
    assert hidden.source_url not in exported
    assert len(blocks(exported)) == 6


def test_a_stored_image_is_linked_absolutely_through_site_and_media_url(settings):
    settings.SITE_URL = "https://digest.example.org"
    settings.MEDIA_URL = "/media/"
    entry = DigestEntryFactory(digest__status="published", digest__published_at=timezone.now())
    SummaryFactory(paper=entry.paper)
    figure = FigureFactory(paper=entry.paper, source_url="https://remote.example/x.jpg")
    figure.image.save("fig.png", ContentFile(b"\x89PNG not really"), save=True)
    exported = digest_export_markdown(digest=entry.digest)
    assert f'<img src="https://digest.example.org/media/{figure.image.name}"' in exported
    assert "remote.example" not in exported.split("---", 2)[2].split("<details>")[1]


def test_text_from_models_and_editors_is_escaped():
    entry = DigestEntryFactory(digest__status="published", digest__published_at=timezone.now())
    SummaryFactory(
        paper=entry.paper, one_line='<script>alert("x")</script> works', key_takeaways=["<img src=x onerror=alert(1)>"]
    )
    exported = digest_export_markdown(digest=entry.digest)
    assert "<script>" not in exported and "<img src=x" not in exported
    assert "&lt;script&gt;" in exported


def test_query_count_does_not_grow_with_the_number_of_papers(django_assert_max_num_queries):
    def digest_with(papers):
        digest = DigestFactory(topic=TopicFactory(), status="published", published_at=timezone.now())
        for _ in range(papers):
            entry = DigestEntryFactory(digest=digest)
            SummaryFactory(paper=entry.paper)
            FigureFactory(paper=entry.paper, source_url="https://remote.example/f.jpg")
        return Digest.objects.select_related("topic").get(pk=digest.pk)

    small, large = digest_with(1), digest_with(12)
    with django_assert_max_num_queries(4):
        digest_export_markdown(digest=small)
    with django_assert_max_num_queries(4):
        digest_export_markdown(digest=large)


def test_export_command_writes_one_post_per_published_digest(tmp_path, capsys):
    topic = TopicFactory(slug="dm", name="Diffusion")
    for day, status in ((1, "published"), (2, "published"), (3, "draft")):
        at = timezone.make_aware(datetime.datetime(2024, 5, day, 9))
        entry = DigestEntryFactory(
            digest__topic=topic,
            digest__date=datetime.date(2024, 5, day),
            digest__status=status,
            digest__published_at=at if status == "published" else None,
        )
        SummaryFactory(paper=entry.paper)
    call_command("export_hexo", "dm", "-o", str(tmp_path / "all"))
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "digest-2024-05-01-dm.md",
        "digest-2024-05-02-dm.md",
    ]
    call_command("export_hexo", "dm", "--date", "2024-05-02", "-o", str(tmp_path / "one"))
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["digest-2024-05-02-dm.md"]
    written = hexo_export(topic=topic, out_dir=tmp_path / "since", since=datetime.date(2024, 5, 2))
    assert [p.name for p in written] == ["digest-2024-05-02-dm.md"]
    assert "2 post(s) written" in capsys.readouterr().out


def test_a_published_digest_downloads_as_markdown_from_its_public_page(client, digest):
    response = client.get("/topics/diffusion-models/2024-05-02.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert 'filename="digest-2024-05-02-diffusion-models.md"' in response["Content-Disposition"]
    assert response.content.decode() == digest_export_markdown(digest=digest)


def test_a_draft_digest_has_no_markdown_download(client):
    entry = DigestEntryFactory(digest__topic=TopicFactory(slug="drafty"))
    assert client.get(f"/topics/drafty/{entry.digest.date.isoformat()}.md").status_code == 404


def test_a_paper_without_a_summary_is_exported_with_its_facts_only():
    entry = DigestEntryFactory(digest__status="published", digest__published_at=timezone.now())
    exported = digest_export_markdown(digest=entry.digest)
    [item] = parse_post(exported).papers
    assert (item.arxiv_id, item.title, item.authors) == (entry.paper.arxiv_id, entry.paper.title, entry.paper.authors)
    assert "**Summary**" not in exported


def _front(exported):
    return yaml.safe_load(exported.strip().split("---")[1])


def test_a_digest_without_an_editors_description_exports_the_intro():
    entry = DigestEntryFactory(
        digest__topic=TopicFactory(name="Diffusion Models"),
        digest__status="published",
        digest__published_at=timezone.now(),
    )
    SummaryFactory(paper=entry.paper, keywords=["sampling"])
    digest = Digest.objects.select_related("topic").get()
    assert digest.description == ""
    assert _front(digest_export_markdown(digest=digest))["description"] == (
        "1 Diffusion Models paper on 2024-05-02, on sampling."
    )


def test_an_editors_description_is_exported_on_one_line():
    entry = DigestEntryFactory(
        digest__description="The editor's\n  own words.",
        digest__status="published",
        digest__published_at=timezone.now(),
    )
    assert _front(digest_export_markdown(digest=entry.digest))["description"] == "The editor's own words."


def test_an_imported_posts_description_is_its_own_and_exported_again(digest):
    posted = " ".join(parse_post(reference_text()).description.split())
    assert posted.startswith("Diffusion Models 方向最新论文已更新")
    assert " ".join(digest.description.split()) == posted
    assert _front(digest_export_markdown(digest=digest))["description"] == posted
