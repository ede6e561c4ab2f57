"""A day's draft digest fills in while a long pipeline batch runs, not only when it ends."""

import threading

import pytest
from django.db import connection

from digests.models import DigestEntry
from papers.services.pipeline import papers_process
from papers.signals import papers_processed
from tests.atom import make_pdf
from tests.factories import PaperFactory, TopicFactory, TopicPaperFactory
from tests.fake_llm import Reply as LLMReply
from tests.fake_llm import answer
from tests.servers import FakeServer, Reply

# The request threads read the draft on their own connections.
pytestmark = pytest.mark.django_db(transaction=True)

EVENT_WAIT = 10  # only reached when the draft was never rebuilt


@pytest.fixture
def server():
    with FakeServer() as fake:
        yield fake


def test_the_draft_lists_a_finished_paper_while_the_rest_of_the_batch_is_in_flight(server, fake_llm, settings):
    settings.PIPELINE_PROGRESS_SECONDS = 60
    now = [0.0]
    told = threading.Event()
    seen = {}
    topic = TopicFactory()
    papers = []
    for n, title in enumerate(("First Paper", "Second Paper"), start=1):
        path = f"/pdf/2405.0000{n}v1"
        server.route(path, Reply.pdf(make_pdf()))
        papers.append(PaperFactory(arxiv_id=f"2405.0000{n}", pdf_url=server.url(path), title=title))
        TopicPaperFactory(topic=topic, paper=papers[-1])

    def respond(body):
        if "First Paper" in str(body):
            now[0] = 61.0  # a minute into the task
            return LLMReply(answer("en"))
        told.wait(EVENT_WAIT)
        try:
            seen["draft while the second is in flight"] = sorted(
                DigestEntry.objects.filter(digest__topic=topic).values_list("paper__title", flat=True)
            )
        finally:
            connection.close()
        return LLMReply(answer("en"))

    fake_llm.responder = respond
    papers_processed.connect(lambda sender, **kw: told.set(), weak=False, dispatch_uid="test-draft-told")
    try:
        papers_process(paper_ids=[p.pk for p in papers], clock=lambda: now[0])
    finally:
        papers_processed.disconnect(dispatch_uid="test-draft-told")

    assert seen == {"draft while the second is in flight": ["First Paper"]}
    assert sorted(DigestEntry.objects.filter(digest__topic=topic).values_list("paper__title", flat=True)) == [
        "First Paper",
        "Second Paper",
    ]
