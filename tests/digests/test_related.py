"""Related papers: ranked offline from the public archive, listed on each paper page."""

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.models import Digest, PaperEmbedding, RelatedPaper
from digests.selectors import related_papers_for
from digests.services.publish import digest_publish, digest_unpublish
from digests.services.related import STORED, paper_top_terms, related_papers_rebuild, related_papers_refresh
from digests.services.search_index import search_index_refresh
from tests.digests.builders import full_summary
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory
from tests.servers import FakeServer, Reply

pytestmark = pytest.mark.django_db

PAPERS = {
    "video-a": (
        "Latent Diffusion for Video Generation",
        "We train a latent video diffusion model that generates temporally coherent video clips from text.",
        ["video diffusion", "temporal attention"],
    ),
    "video-b": (
        "Temporal Consistency in Video Diffusion Models",
        "A diffusion sampler for video that keeps frames temporally consistent across long clips.",
        ["video generation", "diffusion"],
    ),
    "nlp": (
        "Multilingual Machine Translation with Large Language Models",
        "We fine-tune language models for low-resource translation between many languages.",
        ["machine translation", "language models"],
    ),
    "speech": (
        "Speech Recognition for Low-Resource Languages",
        "An acoustic model that transcribes speech in languages with little labelled audio.",
        ["speech recognition", "acoustic model"],
    ),
    "protein": (
        "Protein Structure Prediction with Geometric Networks",
        "Geometric networks predict protein structures from amino acid sequences.",
        ["protein folding", "geometric deep learning"],
    ),
}


def published_digest(topic=None, date=datetime.date(2024, 5, 2), **kwargs):
    return DigestFactory(
        topic=topic or TopicFactory(),
        date=date,
        status="published",
        published_at=timezone.now() - datetime.timedelta(hours=1),
        **kwargs,
    )


def add_paper(digest, key, position=0):
    title, abstract, keywords = PAPERS[key]
    paper = PaperFactory(title=title, abstract=abstract)
    full_summary(paper, keywords=keywords)
    DigestEntryFactory(digest=digest, paper=paper, position=position)
    return paper


@pytest.fixture
def archive():
    """Five published papers over two topics, indexed and ranked as a commit leaves them."""
    vision, language = published_digest(), published_digest()
    papers = {key: add_paper(vision if key.startswith("video") else language, key) for key in PAPERS}
    search_index_refresh()
    related_papers_rebuild()
    return papers


def related_titles(paper):
    return [other.title for other in related_papers_for(paper)]


def related_ids(paper):
    return [other.pk for other in related_papers_for(paper)]


def test_top_terms_weigh_title_and_keywords_over_stop_words(archive):
    terms = [" ".join(t) for t in paper_top_terms(archive["video-a"])]
    assert terms[:2] == ["video", "diffusion"]
    assert not {"we", "that", "from", "for"} & set(terms)


def test_nearest_of_a_diffusion_video_paper_is_the_other_diffusion_video_paper(archive):
    titles = related_titles(archive["video-a"])
    assert titles[0] == archive["video-b"].title
    assert related_titles(archive["video-b"])[0] == archive["video-a"].title


def test_nearest_crosses_topics(archive):
    # Speech and translation papers are in one digest, video in another; "languages" ties speech to translation.
    assert related_titles(archive["speech"])[0] == archive["nlp"].title


def test_a_paper_is_never_its_own_neighbour(archive):
    assert not RelatedPaper.objects.filter(paper=archive["video-a"], related=archive["video-a"]).exists()
    assert RelatedPaper.objects.filter(paper=archive["video-a"]).count() >= 1


def test_papers_of_draft_digests_are_never_ranked(archive):
    draft = DigestFactory(topic=TopicFactory(), date=datetime.date(2024, 5, 3))
    hidden_twin = add_paper(draft, "video-a")
    search_index_refresh()
    related_papers_rebuild()
    assert not RelatedPaper.objects.filter(related=hidden_twin).exists()
    assert not RelatedPaper.objects.filter(paper=hidden_twin).exists()


def test_a_neighbour_gone_private_is_not_listed_even_before_the_refresh(archive):
    video_b = archive["video-b"]
    Digest.objects.filter(entries__paper=video_b).update(status="draft", published_at=None)
    assert RelatedPaper.objects.filter(paper=archive["video-a"], related=video_b).exists()
    assert video_b.title not in related_titles(archive["video-a"])


def test_hidden_entry_is_not_listed(archive):
    archive["video-b"].digest_entries.update(hidden=True)
    assert archive["video-b"].title not in related_titles(archive["video-a"])


def test_lists_at_most_five():
    digest = published_digest()
    papers = [add_paper(digest, "video-a", position=n) for n in range(8)]
    search_index_refresh()
    related_papers_rebuild()
    assert RelatedPaper.objects.filter(paper=papers[0]).count() == 7
    assert len(related_papers_for(papers[0])) == 5


def test_publishing_a_digest_ranks_its_papers_and_their_neighbours_once_it_commits(
    archive, django_capture_on_commit_callbacks
):
    draft = DigestFactory(topic=TopicFactory(), date=datetime.date(2024, 5, 3))
    newcomer = add_paper(draft, "video-b")
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=draft, user=None)
    # The newcomer has its own list, and the paper it resembles most lists it first (its text is video-b's).
    assert {p.pk for p in related_papers_for(newcomer)[:2]} == {archive["video-a"].pk, archive["video-b"].pk}
    assert newcomer.pk in related_ids(archive["video-a"])[:2]
    assert newcomer.pk in related_ids(archive["video-b"])[:1]


def test_unpublishing_drops_the_papers_lists_and_reranks_who_listed_them(archive, django_capture_on_commit_callbacks):
    digest = archive["video-b"].digest_entries.get().digest
    with django_capture_on_commit_callbacks(execute=True):
        digest_unpublish(digest=digest)
    assert not RelatedPaper.objects.filter(paper__in=[archive["video-a"], archive["video-b"]]).exists()
    # Nobody's stored list still names them: the neighbours were ranked again.
    assert not RelatedPaper.objects.filter(related__in=[archive["video-a"], archive["video-b"]]).exists()


def test_refresh_of_unchanged_papers_changes_nothing(archive):
    assert related_papers_refresh(paper_ids=[p.pk for p in archive.values()]) == 0


def test_paper_page_lists_related_papers_nearest_first(client, archive):
    html = client.get(archive["video-a"].get_absolute_url()).content.decode()
    section = html[html.index('class="related"') :]
    assert f'href="{archive["video-b"].get_absolute_url()}"' in section
    links = re.findall(r'href="(/papers/[^"]+/)"', section)
    assert links[0] == archive["video-b"].get_absolute_url()
    assert archive["video-a"].get_absolute_url() not in links


def test_paper_page_with_no_related_papers_has_no_related_section(client):
    paper = add_paper(published_digest(), "protein")
    search_index_refresh()
    related_papers_rebuild()
    assert 'class="related"' not in client.get(paper.get_absolute_url()).content.decode()


def test_rebuild_command_ranks_every_published_paper(archive):
    RelatedPaper.objects.all().delete()
    call_command("rebuild_related", verbosity=0)
    assert set(RelatedPaper.objects.values_list("paper_id", flat=True)) >= {
        archive["video-a"].pk,
        archive["video-b"].pk,
    }


def test_paper_page_query_count_is_the_same_with_none_and_five_related(client, settings, django_assert_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0
    lonely = add_paper(published_digest(), "protein")
    crowded_digest = published_digest()
    crowded = [add_paper(crowded_digest, "video-a", position=n) for n in range(6)]
    search_index_refresh()
    related_papers_rebuild()
    assert related_papers_for(lonely) == []
    assert len(related_papers_for(crowded[0])) == 5
    with CaptureQueriesContext(connection) as none_related:
        assert client.get(lonely.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(none_related)):
        response = client.get(crowded[0].get_absolute_url())
    assert response.content.decode().count('<li><a href="/papers/') == 5


# --- Embeddings, from a real OpenAI-compatible server on 127.0.0.1 ------------

VOCABULARY = ["video", "diffusion", "temporal", "language", "translation", "speech", "protein", "geometric"]


def embeddings_handler(request):
    """Answer /v1/embeddings with bag-of-words vectors over ``VOCABULARY``, as a real model would shape them."""
    body = json.loads(request.body)
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = []
    for index, text in enumerate(texts):
        words = re.findall(r"[a-z]+", text.lower())
        vector = [float(sum(w.startswith(v) for w in words)) + 0.01 for v in VOCABULARY]
        data.append({"object": "embedding", "index": index, "embedding": vector})
    # Out of order, as the API allows: the client must sort by index.
    payload = {
        "object": "list",
        "data": list(reversed(data)),
        "model": body["model"],
        "usage": {"prompt_tokens": 10, "total_tokens": 10},
    }
    return Reply(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def embeddings_server(settings):
    with FakeServer() as server:
        server.route("/v1/embeddings", embeddings_handler)
        settings.OPENAI_BASE_URL = server.url("/v1")
        settings.OPENAI_API_KEY = "test-key"
        settings.LLM_TIMEOUT_SECONDS = 5.0
        settings.LLM_MAX_RETRIES = 0
        settings.RELATED_EMBEDDINGS_MODEL = "fake-embedder"
        yield server


@pytest.fixture
def embedded_archive(embeddings_server):
    vision, language = published_digest(), published_digest()
    papers = {key: add_paper(vision if key.startswith("video") else language, key) for key in PAPERS}
    search_index_refresh()
    related_papers_rebuild()
    return papers


def test_embeddings_rank_by_the_servers_vectors(embedded_archive):
    assert related_titles(embedded_archive["video-a"])[0] == embedded_archive["video-b"].title
    assert related_titles(embedded_archive["nlp"])[0] == embedded_archive["speech"].title
    methods = set(RelatedPaper.objects.values_list("method", flat=True))
    assert methods == {"embeddings:fake-embedder"}


def test_embeddings_requests_name_the_model_and_carry_the_paper_text(embedded_archive, embeddings_server):
    requests = embeddings_server.requests_to("/v1/embeddings")
    assert len(requests) == 1  # five papers, one batch
    body = json.loads(requests[0].body)
    assert body["model"] == "fake-embedder"
    assert any(text.startswith(PAPERS["protein"][0]) for text in body["input"])
    assert {k.lower(): v for k, v in requests[0].headers.items()}["authorization"] == "Bearer test-key"


def test_embeddings_are_stored_unit_length_and_not_asked_again_for_unchanged_text(embedded_archive, embeddings_server):
    vector = PaperEmbedding.objects.get(paper=embedded_archive["protein"]).vector
    assert sum(x * x for x in vector) == pytest.approx(1.0)
    related_papers_rebuild()
    assert len(embeddings_server.requests_to("/v1/embeddings")) == 1


def test_edited_text_is_embedded_again_on_refresh(embedded_archive, embeddings_server):
    paper = embedded_archive["protein"]
    paper.title = "Video Diffusion for Protein Movies"
    paper.save()
    related_papers_refresh(paper_ids=[paper.pk])
    last = json.loads(embeddings_server.requests_to("/v1/embeddings")[-1].body)
    assert last["input"] == [f"{paper.title}\nprotein folding, geometric deep learning\n{paper.abstract}"]


def test_publishing_with_embeddings_embeds_only_the_new_papers(
    embedded_archive, embeddings_server, django_capture_on_commit_callbacks
):
    draft = DigestFactory(topic=TopicFactory(), date=datetime.date(2024, 5, 3))
    newcomer = add_paper(draft, "video-b")
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=draft, user=None)
    last = json.loads(embeddings_server.requests_to("/v1/embeddings")[-1].body)
    assert len(embeddings_server.requests_to("/v1/embeddings")) == 2
    assert len(last["input"]) == 1
    assert newcomer.pk in related_ids(embedded_archive["video-a"])[:2]


def test_embeddings_server_down_leaves_the_publish_committed_and_the_lists_as_they_were(
    embedded_archive, settings, django_capture_on_commit_callbacks, caplog
):
    from tests.servers import closed_port_url

    before = list(RelatedPaper.objects.order_by("paper", "rank").values_list("paper", "related"))
    settings.OPENAI_BASE_URL = closed_port_url("/v1")
    draft = DigestFactory(topic=TopicFactory(), date=datetime.date(2024, 5, 3))
    newcomer = add_paper(draft, "nlp")
    with django_capture_on_commit_callbacks(execute=True):
        digest = digest_publish(digest=draft, user=None)
    digest.refresh_from_db()
    assert digest.status == "published"
    assert "Ranking related papers" in caplog.text
    assert list(RelatedPaper.objects.order_by("paper", "rank").values_list("paper", "related")) == before
    assert related_papers_for(newcomer) == []


def test_publishing_ranks_only_the_new_papers_and_their_neighbours(archive, django_capture_on_commit_callbacks):
    filler = published_digest(date=datetime.date(2024, 5, 4))
    for n in range(20):
        add_paper(filler, "protein", position=n)
    search_index_refresh()
    related_papers_rebuild()
    draft = DigestFactory(topic=TopicFactory(), date=datetime.date(2024, 5, 3))
    newcomer = add_paper(draft, "video-b")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=draft, user=None)
    ranking = "ts_rank" if connection.vendor == "postgresql" else "bm25("
    rankings = [q["sql"] for q in queries if ranking in q["sql"]]
    # The newcomer, then each paper it now lists (nobody listed it before): never the whole archive.
    neighbours = RelatedPaper.objects.filter(paper=newcomer).count()
    assert len(rankings) == 1 + neighbours
    assert len(rankings) <= 1 + STORED < 26
