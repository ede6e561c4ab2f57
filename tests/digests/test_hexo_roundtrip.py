"""Import the reference post, export it, import the export into an empty database: nothing is lost."""

import pytest

from digests.models import Digest
from digests.services.hexo_export import hexo_export
from digests.services.hexo_import import hexo_file_import
from papers.models import Figure, Paper, Summary, SummaryRevision, Topic
from tests.digests.hexo_posts import REFERENCE

pytestmark = pytest.mark.django_db


def snapshot():
    digest = Digest.objects.select_related("topic").get()
    return {
        "digest": (digest.topic.name, digest.date, digest.published_at, digest.status, digest.title),
        "order": list(digest.entries.order_by("position").values_list("paper__arxiv_id", flat=True)),
        "papers": {p.arxiv_id: (p.version, p.title, p.authors, p.abstract, p.comment) for p in Paper.objects.all()},
        "summaries": {
            s.paper.arxiv_id: (s.language, s.model_name, s.sections()) for s in Summary.objects.select_related("paper")
        },
        "figures": {
            arxiv_id: list(
                Figure.objects.filter(paper__arxiv_id=arxiv_id).order_by("order").values_list("source_url", flat=True)
            )
            for arxiv_id in Paper.objects.values_list("arxiv_id", flat=True)
        },
        "cover": digest.cover_figure.source_url,
    }


def test_reference_post_survives_export_and_reimport_into_an_empty_database(tmp_path):
    assert hexo_file_import(path=REFERENCE).error is None
    before = snapshot()
    [exported] = hexo_export(topic=Topic.objects.get(), out_dir=tmp_path)

    Digest.objects.all().delete()
    Paper.objects.all().delete()
    Topic.objects.all().delete()
    assert not SummaryRevision.objects.exists() and not Figure.objects.exists()

    report = hexo_file_import(path=exported)
    assert report.error is None, report.describe()
    after = snapshot()
    for key in before:
        assert after[key] == before[key], key
    assert len(after["papers"]) == 7 and sum(len(urls) for urls in after["figures"].values()) == 30


def test_reexporting_a_reimported_post_gives_the_same_post(tmp_path):
    hexo_file_import(path=REFERENCE)
    [first] = hexo_export(topic=Topic.objects.get(), out_dir=tmp_path / "1")
    Digest.objects.all().delete()
    Paper.objects.all().delete()
    Topic.objects.all().delete()
    hexo_file_import(path=first)
    [second] = hexo_export(topic=Topic.objects.get(), out_dir=tmp_path / "2")
    assert second.read_text() == first.read_text()


def test_an_english_digest_exports_to_a_post_the_parser_reads_back_section_by_section():
    import datetime

    from django.utils import timezone

    from digests.hexo.parser import parse_post
    from digests.services.hexo_export import digest_export_markdown
    from papers.services.revisions import normalise_content
    from tests.factories import DigestEntryFactory, SummaryFactory, TopicFactory

    entry = DigestEntryFactory(
        digest__topic=TopicFactory(language="en", name="Robot Learning", slug="robots"),
        digest__status="published",
        digest__published_at=timezone.make_aware(datetime.datetime(2024, 6, 1, 8, 0)),
    )
    sections = {
        "one_line": "Robots learn to fold towels from ten demonstrations.",
        "key_takeaways": ["Ten demos suffice.", "Works on cloth.", "Beats baselines.", "Open source.", "Fast."],
        "translated_title": "Folding towels: with few demos",
        "keywords": ["imitation learning", "deformable objects"],
        "background": "Cloth is hard to model.",
        "prior_work": "Earlier methods need thousands of demonstrations.",
        "method": "A diffusion policy conditioned on point clouds.",
        "results": "Success rate 83% on real towels.",
        "method_steps": ["Record demonstrations.", "Train the policy.", "Deploy on the robot."],
        "significance": "Few-shot cloth manipulation becomes practical.",
        "innovation": "- Point-cloud conditioning.\n- A new augmentation.",
        "performance": "83% success.",
        "workload": "Two GPU days.",
    }
    SummaryFactory(paper=entry.paper, language="en", model_name="gpt-4o-mini", backend="openai", **sections)
    post = parse_post(digest_export_markdown(digest=entry.digest))
    [item] = post.papers
    assert normalise_content(item.sections) == normalise_content(sections)
    assert (item.arxiv_id, item.authors, post.model_name) == (entry.paper.arxiv_id, entry.paper.authors, "gpt-4o-mini")
    assert post.date == datetime.date(2024, 5, 2)
