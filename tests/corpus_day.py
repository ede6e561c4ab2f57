"""The LaTeX corpus as one day through the real pipeline: publisher layouts the sample day lacks.

The papers of tests/fixtures/corpus (IEEE, ACM, Elsevier, Springer, APS, AAS,
MNRAS classes and the big conference styles) are announced by a fake arXiv,
downloaded, parsed and summarized offline, and their digest is published, so
that a crawl reads what the product makes of layouts like the world's.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.test import override_settings

from digests.services.build import digest_build
from digests.services.publish import digest_publish
from papers.models import Topic
from papers.services.ingest import topic_ingest
from papers.services.pipeline import papers_process
from tests.atom import Entry, feed
from tests.sample_day import corpus_papers
from tests.servers import FakeServer, Reply

CORPUS_DATE = datetime.date(2025, 1, 15)
CORPUS_SLUG = "corpus-day"
# One paper per publisher family (each crawled page costs the suite; the families differ, their
# siblings mostly do not): the second corpus, written apart from the parser, and revtex for APS.
PAPERS = (
    "aastex", "acl_side", "acm_small", "cvpr_teaser", "els_5p", "iclr_review",
    "ieee_compsoc", "ieee_trans", "llncs_multi", "mnras", "revtex",
)  # fmt: skip


def corpus_day_build() -> None:
    """Build and publish the corpus day (call with the database unblocked, an editor named ``admin`` existing)."""
    published = datetime.datetime(2025, 1, 14, 9, 0, tzinfo=datetime.UTC)
    with FakeServer() as server:
        entries = []
        for folder, pdf, fields in corpus_papers():
            if folder not in PAPERS:
                continue
            entries.append(
                Entry(
                    arxiv_id=fields["arxiv_id"],
                    title=fields["title"],
                    abstract=fields["abstract"],
                    authors=fields["authors"],
                    comment=fields["comment"] or None,
                    published=published,
                    base=server.base_url,
                )
            )
            server.route(f"/pdf/{fields['arxiv_id']}v1", Reply.pdf(pdf))
        server.route("/api/query", Reply.atom(feed(entries)))
        with override_settings(
            ARXIV_API_URL=server.url("/api/query"),
            ARXIV_API_DELAY_SECONDS=0.0,
            ARXIV_PDF_DELAY_SECONDS=0.0,
            ARXIV_RETRY_BACKOFF_SECONDS=0.0,
        ):
            topic = Topic.objects.create(
                name="Publisher layouts", slug=CORPUS_SLUG, arxiv_query="cat:cs.CV", lookback_days=2
            )
            run = topic_ingest(topic=topic, digest_date=CORPUS_DATE, enqueue=False)
            papers_process(paper_ids=run.pending_paper_ids)
            digest = digest_build(topic=topic, date=CORPUS_DATE)
            digest_publish(digest=digest, user=get_user_model().objects.get(username="admin"), override=True)
