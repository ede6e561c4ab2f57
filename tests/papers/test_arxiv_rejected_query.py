"""A query arXiv rejects: its words reach the run, the log and the Topic form; no retries."""

import datetime

import pytest

from papers.admin_forms import TopicAdminForm
from papers.models import IngestRunStatus
from papers.services.ingest import topic_ingest
from tests.factories import TopicFactory
from tests.servers import Reply, arxiv_error_feed

MESSAGE = "Invalid query string: '( )'"


@pytest.mark.django_db
def test_ingest_of_a_rejected_query_records_arxivs_message(arxiv_api, caplog):
    arxiv_api.route("/api/query", Reply.atom(arxiv_error_feed(MESSAGE)))
    run = topic_ingest(topic=TopicFactory(), digest_date=datetime.date(2024, 5, 2), enqueue=False)
    assert run.status == IngestRunStatus.FAILED
    assert MESSAGE in run.error and "empty page" not in run.error
    assert MESSAGE in caplog.text


@pytest.mark.django_db
def test_rejected_query_is_not_retried(arxiv_api, settings):
    settings.ARXIV_NUM_RETRIES = 3
    arxiv_api.route("/api/query", Reply.atom(arxiv_error_feed(MESSAGE)))
    topic_ingest(topic=TopicFactory(), digest_date=datetime.date(2024, 5, 2), enqueue=False)
    assert len(arxiv_api.requests_to("/api/query")) == 1


def _form(query):
    return TopicAdminForm(
        data={
            "name": "Diffusion",
            "slug": "diffusion",
            "arxiv_query": query,
            "categories": "[]",
            "language": "en",
            "max_papers_per_day": 50,
            "lookback_days": 2,
        }
    )


@pytest.mark.django_db
def test_topic_form_shows_arxivs_message_for_a_rejected_query(arxiv_api):
    arxiv_api.route("/api/query", Reply.atom(arxiv_error_feed(MESSAGE)))
    form = _form("( )")
    assert not form.is_valid()
    assert MESSAGE in " ".join(form.errors["arxiv_query"])
    assert len(arxiv_api.requests_to("/api/query")) == 1


@pytest.mark.django_db
def test_topic_form_accepts_a_query_arxiv_answers(arxiv_api):
    from tests.atom import feed

    arxiv_api.route("/api/query", Reply.atom(feed([])))
    form = _form('abs:"diffusion model"')
    assert form.is_valid(), form.errors
    assert arxiv_api.requests_to("/api/query")[0].arg("search_query") == '(abs:"diffusion model")'
