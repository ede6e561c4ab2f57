import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.search import TABLE, backend, search_papers
from digests.services.build import digest_build
from digests.services.cache import public_cache_invalidate
from digests.services.publish import digest_publish, digest_unpublish
from digests.services.search_index import search_index_refresh
from papers.models import Paper
from papers.services.revisions import summary_edit
from tests.digests.builders import full_summary, make_digest
from tests.digests.test_build import DAY, day_paper
from tests.factories import DigestEntryFactory, PaperFactory, TopicFactory

pytestmark = pytest.mark.django_db


def titles(query, **kwargs):
    ids = search_papers(query=query, limit=kwargs.get("limit", 20), offset=kwargs.get("offset", 0)).paper_ids
    by_id = Paper.objects.in_bulk(ids)
    return [by_id[i].title for i in ids]


@pytest.fixture
def digest(unindexed_digest):
    # The index as the commit that published these rows leaves it.
    search_index_refresh()
    return unindexed_digest


@pytest.fixture
def unindexed_digest():
    digest = make_digest(papers=0)
    for position, (title, abstract, authors) in enumerate(
        [
            ("Sparse Attention for Video", "We cut memory of transformers.", ["Grace Hopper"]),
            ("Consistency Models", "Distilling samplers; attention is only a side note.", ["Edsger Dijkstra"]),
            ("Protein Folding", "Nothing about the other topics.", ["Barbara Liskov"]),
        ]
    ):
        paper = PaperFactory(title=title, abstract=abstract, authors=authors)
        full_summary(paper, one_line=f"Summary {position}", background="扩散模型的反学习研究" if position == 2 else "")
        DigestEntryFactory(digest=digest, paper=paper, position=position)
    return digest


def test_finds_by_title_word(digest):
    assert titles("consistency") == ["Consistency Models"]


def test_finds_by_author(digest):
    assert titles("Liskov") == ["Protein Folding"]


def test_finds_by_chinese_summary_text(digest):
    assert titles("反学习") == ["Protein Folding"]
    assert titles("学反") == []


def test_title_match_ranks_above_abstract_match(digest):
    assert titles("attention") == ["Sparse Attention for Video", "Consistency Models"]


def test_stems_english_words(digest):
    assert titles("distilled") == ["Consistency Models"]


def test_all_terms_must_match(digest):
    assert titles("attention memory") == ["Sparse Attention for Video"]


@pytest.mark.parametrize(
    "query", ['"', "attention OR", "NEAR(a b)", "a* -b", "title:x", "(((", "'; DROP TABLE x; --", "^"]
)
def test_query_syntax_from_users_never_errors(digest, query):
    titles(query)


def test_drafts_and_hidden_entries_are_not_searchable(digest):
    draft = make_digest(papers=0, published=False, date=datetime.date(2024, 6, 1))
    DigestEntryFactory(digest=draft, paper=PaperFactory(title="Unpublished Attention"))
    hidden = digest.entries.get(paper__title="Protein Folding")
    hidden.hidden = True
    hidden.save()
    search_index_refresh()
    assert "Unpublished Attention" not in titles("attention")
    assert titles("protein") == []


def test_edit_is_searchable_once_it_commits(digest, admin_user, django_capture_on_commit_callbacks):
    assert titles("zebrafish") == []
    summary = digest.entries.get(paper__title="Consistency Models").paper.summaries.get()
    with django_capture_on_commit_callbacks(execute=True):
        summary_edit(
            summary=summary,
            content={"results": "Works on zebrafish."},
            user=admin_user,
            expected_lock_version=summary.lock_version,
        )
    assert titles("zebrafish") == ["Consistency Models"]


def test_refresh_reindexes_only_changed_papers(unindexed_digest):
    assert search_index_refresh() == 3
    assert search_index_refresh() == 0


def _draft_with(title):
    draft = make_digest(papers=0, published=False, date=datetime.date(2024, 6, 1))
    paper = PaperFactory(title=title)
    full_summary(paper)
    DigestEntryFactory(digest=draft, paper=paper)
    return draft


def test_publishing_makes_the_digest_searchable_once_it_commits(admin_user, django_capture_on_commit_callbacks):
    draft = _draft_with("Flow Matching Explained")
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=draft, user=admin_user)
    assert titles("flow") == ["Flow Matching Explained"]


def test_scheduled_digest_is_searchable_once_live_without_a_reindex(
    admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    draft = _draft_with("Flow Matching Explained")
    go_live = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=draft, user=admin_user, at=go_live)
    assert titles("flow") == []
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(hours=1, seconds=1))
    assert titles("flow") == ["Flow Matching Explained"]


def test_unpublishing_drops_the_papers_from_the_index_once_it_commits(digest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        digest_unpublish(digest=digest)
    assert backend().fingerprints() == {}


def test_search_page_writes_nothing_to_the_index(client, digest):
    # A stale index and a new cache version: the page still only reads.
    DigestEntryFactory(digest=digest, paper=PaperFactory(title="Attention Not Yet Indexed"), position=9)
    public_cache_invalidate()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/search/?q=attention").status_code == 200
    reads = [q["sql"] for q in queries if TABLE in q["sql"]]
    assert reads, "the page searched the index"
    assert [sql for sql in reads if not sql.lstrip().upper().startswith("SELECT")] == []


def test_results_paginate(digest):
    assert len(titles("summary", limit=2)) == 2
    assert len(titles("summary", limit=2, offset=2)) == 1
    assert search_papers(query="summary", limit=2).total == 3


def test_search_page_lists_results_linking_to_the_digest(client, digest):
    html = client.get("/search/?q=consistency").content.decode()
    assert "1 result" in html
    assert "Consistency Models" in html
    assert f"{digest.get_absolute_url()}#paper-" in html


def test_empty_query_shows_no_results(client, digest):
    response = client.get("/search/?q=")
    assert response.status_code == 200
    assert "result" not in response.content.decode().split("<main")[1].split("</form>")[1]


def _first_paper(digest):
    return digest.entries.order_by("position").first().paper


@pytest.mark.parametrize("form", ["{id}", "{id}v1", "arXiv:{id}v1", "arXiv:{id}"])
def test_finds_by_arxiv_id_as_the_pages_print_it(digest, form):
    paper = _first_paper(digest)
    assert titles(form.format(id=paper.arxiv_id)) == [paper.title]


def test_finds_by_author_surname(digest):
    assert titles("Liskov") == ["Protein Folding"]


def test_finds_by_affiliation(digest):
    from papers.models import PaperContent

    paper = _first_paper(digest)
    PaperContent.objects.create(
        paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation="Univ. of Newtown"
    )
    search_index_refresh()  # as the parse step's commit does
    assert titles("Newtown") == [paper.title]


def test_paper_joining_a_published_digest_is_searchable_once_it_commits(admin_user, django_capture_on_commit_callbacks):
    topic = TopicFactory(language="en")
    day_paper(topic, 8)
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=digest_build(topic=topic, date=DAY), user=admin_user)
    day_paper(topic, 12, title="Flow Matching Arrives Late")
    with django_capture_on_commit_callbacks(execute=True):
        digest_build(topic=topic, date=DAY)
    assert titles("flow") == ["Flow Matching Arrives Late"]
