"""Code links as the PDF stage stores them ({"url", "kind", "role", "source"}) in every place that shows them."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from digests.services.hexo_export import digest_export_markdown
from papers.models import PaperContent
from tests.digests.builders import make_digest

pytestmark = pytest.mark.django_db

STORED = [{"url": "https://github.com/own/repo", "kind": "code", "source": "pdf"}]


def _digest_with_links(code_links):
    digest = make_digest(papers=1)
    paper = digest.entries.first().paper
    PaperContent.objects.create(paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, code_links=code_links)
    return digest


def test_markdown_export_lists_the_stored_link_urls():
    digest = _digest_with_links(STORED)
    assert "https://github.com/own/repo" in digest_export_markdown(digest=digest)


def test_markdown_view_answers_for_stored_links(client):
    digest = _digest_with_links(STORED)
    response = client.get(reverse("digests:digest_markdown", args=[digest.topic.slug, digest.date]))
    assert response.status_code == 200
    assert "https://github.com/own/repo" in response.content.decode()


def test_export_command_writes_stored_links(tmp_path):
    digest = _digest_with_links(STORED)
    call_command("export_hexo", digest.topic.slug, "--output", str(tmp_path))
    assert "https://github.com/own/repo" in "".join(p.read_text() for p in tmp_path.rglob("*.md"))


def test_a_bare_url_typed_by_an_editor_is_still_a_link():
    digest = _digest_with_links(["https://github.com/typed/by-hand"])
    assert "https://github.com/typed/by-hand" in digest_export_markdown(digest=digest)


def test_summary_editor_links_to_the_url_not_the_dict(admin_client):
    digest = _digest_with_links(STORED)
    summary = digest.entries.first().paper.summaries.first()
    html = admin_client.get(reverse("admin:papers_summary_change", args=[summary.pk])).content.decode()
    assert 'href="https://github.com/own/repo"' in html
    assert "&#x27;url&#x27;" not in html and "'url'" not in html


USES = {"url": "https://github.com/explosion/spaCy", "kind": "code", "role": "uses", "source": "pdf"}


def test_a_tool_the_paper_uses_is_not_exported_as_its_code():
    digest = _digest_with_links([{**STORED[0], "role": "own"}, USES])
    markdown = digest_export_markdown(digest=digest)
    assert "https://github.com/own/repo" in markdown
    assert "explosion/spaCy" not in markdown


def test_digest_page_labels_only_the_papers_own_link_as_code(client):
    digest = _digest_with_links([{**STORED[0], "role": "own"}, USES])
    html = client.get(digest.get_absolute_url()).content.decode()
    assert 'href="https://github.com/own/repo"' in html
    assert "explosion/spaCy" not in html


def test_paper_page_lists_a_used_tool_under_uses(client):
    digest = _digest_with_links([USES])
    paper = digest.entries.first().paper
    html = client.get(paper.get_absolute_url()).content.decode()
    uses = html.split('class="uses"', 1)[1].split("</p>", 1)[0]
    assert "github.com/explosion/spaCy" in uses
    assert ">Code<" not in html


def test_data_link_is_labelled_data_not_code(client):
    digest = _digest_with_links([{"url": "https://zenodo.org/records/1", "kind": "data", "role": "own"}])
    html = client.get(digest.get_absolute_url()).content.decode()
    assert '<a href="https://zenodo.org/records/1" rel="nofollow noopener">Data</a>' in html
