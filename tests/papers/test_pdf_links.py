"""Code links on real pdfTeX output: the paper's own versus the tools it uses.

The papers are tests/fixtures/links/*.tex (built by scripts/make_link_fixtures.py);
each source's header says which links are whose. The PDFs are read with empty
abstract and comment metadata, so every link here comes from the PDF itself.
"""

from pathlib import Path

import pytest

from papers.services.parse import paper_parse
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "links"
AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]


def roles(name: str, **fields) -> dict[str, str]:
    fields.setdefault("authors", AUTHORS)
    paper = stored_paper((FIXTURES / name).read_bytes(), abstract="", comment="", **fields)
    content = paper_parse(paper=paper)
    assert all(link["role"] in ("own", "uses") for link in content.code_links)
    return {link["url"]: link["role"] for link in content.code_links}


@pytest.fixture
def twocolumn():
    return roles("twocolumn.pdf", title="FlexiProbe: Probing Language Models with Flexible Prompts")


@pytest.fixture
def ieee():
    return roles("ieee.pdf", authors=["Ada Lovelace", "Alan Turing"], title="Anchored Trajectories for Motion Forecasting")


def test_dump(twocolumn, ieee):
    print(twocolumn)
    print(ieee)
    assert 0
