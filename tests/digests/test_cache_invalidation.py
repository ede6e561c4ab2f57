"""Services that change what the public site shows invalidate the page cache once they commit."""

import pytest

from digests.services.build import digest_build
from digests.services.publish import digest_publish
from papers.models import PaperContent
from papers.services.metadata import paper_content_correct_affiliation
from papers.services.revisions import Generation, summary_edit, summary_record_generated
from tests.digests.builders import make_digest
from tests.digests.test_build import DAY, day_paper
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest():
    return make_digest(papers=1)


def _cached(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_summary_edit_shows_on_the_cached_pages(client, digest, admin_user, django_capture_on_commit_callbacks):
    paper = digest.entries.first().paper
    urls = [digest.get_absolute_url(), paper.get_absolute_url()]
    for url in urls:
        _cached(client, url)
    summary = paper.summaries.get()
    with django_capture_on_commit_callbacks(execute=True):
        summary_edit(
            summary=summary,
            content={"one_line": "Corrected by an editor."},
            user=admin_user,
            expected_lock_version=summary.lock_version,
        )
    for url in urls:
        assert "Corrected by an editor." in client.get(url).content.decode(), url


def test_cache_is_kept_until_the_edit_commits(client, digest, admin_user, django_capture_on_commit_callbacks):
    paper = digest.entries.first().paper
    url = digest.get_absolute_url()
    _cached(client, url)
    summary = paper.summaries.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary_edit(
            summary=summary,
            content={"one_line": "Corrected by an editor."},
            user=admin_user,
            expected_lock_version=summary.lock_version,
        )
    assert callbacks, "invalidation must wait for the commit"
    assert "Corrected by an editor." not in client.get(url).content.decode()


def test_corrected_affiliation_shows_on_the_cached_paper_page(client, digest, django_capture_on_commit_callbacks):
    paper = digest.entries.first().paper
    content = PaperContent.objects.create(
        paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation="Old Place"
    )
    _cached(client, paper.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        paper_content_correct_affiliation(content=content, affiliation="Univ. of Newtown")
    assert "Univ. of Newtown" in client.get(paper.get_absolute_url()).content.decode()


def test_regenerated_summary_shows_on_the_cached_digest(client, digest, django_capture_on_commit_callbacks):
    paper = digest.entries.first().paper
    url = digest.get_absolute_url()
    _cached(client, url)
    summary = paper.summaries.get()
    with django_capture_on_commit_callbacks(execute=True):
        summary_record_generated(
            paper=paper,
            language=summary.language,
            content={**summary.sections(), "one_line": "A regenerated one-liner."},
            generation=Generation(backend="extractive", model_name="", prompt_version="1", source_version=1),
        )
    assert "A regenerated one-liner." in client.get(url).content.decode()


def test_paper_summarized_after_publication_shows_on_the_cached_digest(
    client, admin_user, django_capture_on_commit_callbacks
):
    topic = TopicFactory(language="en")
    day_paper(topic, 8)
    with django_capture_on_commit_callbacks(execute=True):
        digest = digest_publish(digest=digest_build(topic=topic, date=DAY), user=admin_user)
    url = digest.get_absolute_url()
    _cached(client, url)
    day_paper(topic, 12, title="A Paper Summarized Late")
    with django_capture_on_commit_callbacks(execute=True):
        digest_build(topic=topic, date=DAY)
    assert "A Paper Summarized Late" in client.get(url).content.decode()


def _summary_regenerated(paper, django_capture_on_commit_callbacks, one_line="A regenerated one-liner."):
    summary = paper.summaries.get()
    with django_capture_on_commit_callbacks(execute=True):
        summary_record_generated(
            paper=paper,
            language=summary.language,
            content={**summary.sections(), "one_line": one_line},
            generation=Generation(backend="extractive", model_name="", prompt_version="1", source_version=1),
        )


def test_change_to_a_paper_no_reader_sees_keeps_the_cached_pages(client, digest, django_capture_on_commit_callbacks):
    # A new day being parsed and summarized must not make every cached page stale, paper after paper.
    from digests.services.cache import public_cache_version

    draft = make_digest(papers=1, published=False, date=DAY)
    before = public_cache_version()
    _summary_regenerated(draft.entries.first().paper, django_capture_on_commit_callbacks)
    assert public_cache_version() == before


def test_change_to_a_left_out_paper_of_a_published_digest_invalidates(digest, django_capture_on_commit_callbacks):
    from digests.services.cache import public_cache_version

    entry = digest.entries.first()
    entry.hidden = True
    entry.save(update_fields=["hidden"])
    before = public_cache_version()
    _summary_regenerated(entry.paper, django_capture_on_commit_callbacks)
    assert public_cache_version() != before


def test_change_to_a_paper_still_in_the_search_index_invalidates(digest, django_capture_on_commit_callbacks):
    # Unpublished since it was indexed: the index (and any page built from it) must let go of it.
    from digests.search import backend
    from digests.services.cache import public_cache_version
    from digests.services.search_index import search_index_refresh

    paper = digest.entries.first().paper
    search_index_refresh(paper_ids=[paper.pk])
    assert backend().fingerprints([paper.pk])
    digest.entries.all().delete()
    before = public_cache_version()
    _summary_regenerated(paper, django_capture_on_commit_callbacks)
    assert public_cache_version() != before
    assert not backend().fingerprints([paper.pk])
