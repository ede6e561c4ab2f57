"""The offline summaries of the bundled sample day, measured by the independent checker.

Every paper goes through the real stages (stored, PDF parsed, summarized by the
extractive backend) and ``summary_quality`` must find nothing to report: the
limits of a one line, key takeaways and analysis sections, no sentence twice,
no junk.
"""

import pytest

from papers.services.summarize.quality import summary_quality
from tests.sample_day import sample_papers, summarize

pytestmark = pytest.mark.django_db

SAMPLE = sample_papers()


@pytest.mark.parametrize(("arxiv_id", "pdf", "fields"), SAMPLE, ids=[s[0] for s in SAMPLE])
def test_offline_summary_of_a_sample_paper_breaks_no_rule(arxiv_id, pdf, fields):
    content = summarize(pdf, fields, "extractive")
    quality = summary_quality(content, abstract=fields["abstract"])

    assert [(f.kind, f.text) for f in quality.violations] == []
    assert [(f.kind, f.text) for f in quality.junk] == []
    assert quality.duplicates == quality.near_duplicates == 0
    assert quality.summary_words < min(350, 2 * quality.abstract_words)
    assert content["one_line"] and content["method"] and 5 <= len(content["key_takeaways"]) <= 8
