"""A hostile day built through the real pipeline: what the world and editors do to a digest.

Ingest reads a fake arXiv answer whose every metadata field carries markup
payloads; the PDFs include a truncated file, an encrypted one, a missing one
and a paper without figures; the model answers one paper with garbage every
time and another with payloads; an editor edits a summary that is then
regenerated into a candidate, hides a paper and publishes.
"""

from __future__ import annotations

import datetime
import json
import uuid

from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone
from django_q.models import Task

from digests.models import DigestEntry
from digests.services.build import digest_build
from digests.services.publish import digest_publish
from papers.models import Language, Summary, Topic
from papers.services.ingest import topic_ingest
from papers.services.pipeline import papers_process
from papers.services.revisions import summary_edit
from papers.services.roles import editor_group_setup
from tests.atom import Entry, feed
from tests.crawl import PAYLOADS
from tests.fake_llm import FakeLLM, Raw, Reply, answer
from tests.pdfgen import make_encrypted_pdf, make_paper
from tests.servers import FakeServer
from tests.servers import Reply as HttpReply

HARD_DATE = datetime.date(2024, 5, 9)
HARD_SLUG = "hard-day"
SCRIPT, ATTR = PAYLOADS
# A model that fails to answer (never valid JSON) for the paper whose title holds this.
GARBAGE_MARK = "Unanswerable"
HOSTILE_MARK = "Hostile"


def _entries(base: str) -> list[Entry]:
    published = datetime.datetime(2024, 5, 8, 9, 0, tzinfo=datetime.timezone.utc)

    def entry(n: int, title: str, **fields) -> Entry:
        return Entry(arxiv_id=f"2405.{10000 + n}", title=title, base=base, published=published, **fields)

    return [
        entry(
            1,
            f"Diffusion {SCRIPT} models {ATTR}",
            abstract=f"Diffusion models {SCRIPT} generate images. We study {ATTR} how. [x](javascript:alert(1))",
            authors=[f"Ada {SCRIPT} Lovelace", f"Alan {ATTR} Turing"],
            comment=f"Code: https://github.com/{ATTR}/repo {SCRIPT}",
            journal_ref=f"CVPR {SCRIPT}",
        ),
        entry(2, "A diffusion paper without figures"),
        entry(3, "A diffusion paper whose PDF is cut off"),
        entry(4, "A diffusion paper whose PDF is encrypted"),
        entry(5, "A diffusion paper whose PDF is gone"),
        entry(6, f"{GARBAGE_MARK} diffusion paper"),
        entry(7, f"{HOSTILE_MARK} diffusion paper"),
        entry(8, "A diffusion paper an editor corrects"),
        entry(9, "A diffusion paper an editor hides"),
    ]


def _pdfs(server: FakeServer) -> None:
    good = make_paper(seed=1).data
    routes = {
        1: HttpReply.pdf(good),
        2: HttpReply.pdf(make_paper(seed=2, figures=()).data),
        3: HttpReply.pdf(good[: len(good) // 3]),
        4: HttpReply.pdf(make_encrypted_pdf()),
        5: HttpReply(404),
        6: HttpReply.pdf(make_paper(seed=6).data),
        7: HttpReply.pdf(make_paper(seed=7, figures=("table", "plot")).data),
        8: HttpReply.pdf(make_paper(seed=8).data),
        9: HttpReply.pdf(make_paper(seed=9).data),
    }
    for n, reply in routes.items():
        server.route(f"/pdf/2405.{10000 + n}v1", reply)


def _responder(body: dict):
    prompt = json.dumps(body.get("messages", []), ensure_ascii=False)
    if GARBAGE_MARK in prompt:
        return Raw("<html>upstream error</html>")
    if HOSTILE_MARK in prompt:
        return Reply(
            answer(
                "zh-hans",
                one_line=f"本文 {SCRIPT} 研究扩散模型 {ATTR}。",
                method=f"[点击](javascript:alert(1)) <iframe src=//evil></iframe> {SCRIPT}",
                key_takeaways=[f"要点 {SCRIPT}", f"要点 {ATTR}", "要点三。", "要点四。", "要点五。"],
            )
        )
    return Reply(answer("zh-hans"))


def hard_day_build() -> None:
    """Build and publish the hard day (call with the database unblocked).

    Figures go to the MEDIA_ROOT in force, where the site's media route reads them.
    """
    with FakeServer() as server, FakeLLM(responder=_responder) as llm:
        server.route("/api/query", HttpReply.atom(feed(_entries(server.base_url))))
        _pdfs(server)
        with override_settings(
            ARXIV_API_URL=server.url("/api/query"),
            ARXIV_API_DELAY_SECONDS=0.0,
            ARXIV_PDF_DELAY_SECONDS=0.0,
            ARXIV_RETRY_BACKOFF_SECONDS=0.0,
            DIGEST_LLM="openai",
            DIGEST_LLM_MODEL="fake-model",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY="test-key",
            LLM_TIMEOUT_SECONDS=5.0,
            LLM_MAX_RETRIES=1,
            LLM_REQUESTS_PER_MINUTE=10_000,
        ):
            topic = Topic.objects.create(
                name=f"Hard {SCRIPT} day",
                slug=HARD_SLUG,
                description=f"A topic whose description holds {ATTR} and {SCRIPT}",
                arxiv_query='abs:"diffusion"',
                language=Language.ZH_HANS,
                lookback_days=2,
            )
            run = topic_ingest(topic=topic, digest_date=HARD_DATE, enqueue=False)
            papers_process(paper_ids=run.pending_paper_ids)
            editor = get_user_model().objects.create_user(username="hard-editor", is_staff=True)
            editor.groups.add(editor_group_setup())
            corrected = Summary.objects.get(paper__arxiv_id="2405.10008", language=Language.ZH_HANS)
            summary_edit(
                summary=corrected,
                content={"one_line": f"编辑改写的一句话 {SCRIPT}。"},
                user=editor,
                expected_lock_version=corrected.lock_version,
            )
            # A regeneration after the edit waits as a candidate beside the editor's text.
            papers_process(paper_ids=[corrected.paper_id], resummarize=True, model="fake-model-2")
            digest = digest_build(topic=topic, date=HARD_DATE)
            DigestEntry.objects.filter(digest=digest, paper__arxiv_id="2405.10009").update(hidden=True)
            digest_publish(digest=digest, user=editor, override=True)
            _worker_failure(paper_ids=run.pending_paper_ids[:2])


def _worker_failure(*, paper_ids: list[int]) -> None:
    """Leave the row a django-q2 worker stores when a task raises, for the dashboard's Retry button."""
    now = timezone.now()
    Task.objects.create(
        id=uuid.uuid4().hex,
        name="hard-day-process-papers",
        func="papers.tasks.process_papers_task",
        args=(paper_ids,),
        kwargs={},
        started=now,
        stopped=now,
        success=False,
        result="Traceback (most recent call last):\n  ...\nOperationalError: database is locked",
        attempt_count=1,
    )
