"""Highwire citation tags on paper pages, and BibTeX downloads that parse back to what the paper says."""

import datetime

import bibtexparser
import lxml.html
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.services.cache import public_cache_invalidate
from digests.services.citation import latex_text, paper_bibtex_key, papers_bibtex
from tests.digests.builders import make_digest
from tests.factories import DigestEntryFactory, PaperFactory, TopicFactory

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc

HARD_TITLE = "Schrödinger Bridges & {Braces}: 100% of the Cost at $\\mathcal{O}(n^{2})$ for Ünïcode_Names #1"


def parse(text: str, *, decode: bool = False):
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()] if decode else [])
    assert library.failed_blocks == []
    return library


def meta(response, name: str) -> list[str]:
    html = lxml.html.fromstring(response.content)
    return [m.get("content") for m in html.xpath(f"//head/meta[@name='{name}']")]


@pytest.fixture
def digest():
    return make_digest(papers=2, topic=TopicFactory(slug="diffusion"))


@pytest.fixture
def paper(digest):
    paper = digest.entries.order_by("position").first().paper
    paper.title = HARD_TITLE
    paper.authors = ["Ada Lovelace", "José Ñúñez", "Zoë O'Brien <script>"]
    paper.published = datetime.datetime(2024, 4, 30, 12, 0, tzinfo=UTC)
    paper.updated = datetime.datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    paper.doi = "10.1000/xyz_123"
    paper.save()
    public_cache_invalidate()
    return paper


# --- Highwire Press tags --------------------------------------------------------------------


def test_paper_page_carries_citation_title_and_one_author_tag_per_author(client, paper):
    response = client.get(paper.get_absolute_url())
    assert meta(response, "citation_title") == [HARD_TITLE]
    assert meta(response, "citation_author") == paper.authors


def test_citation_tags_are_escaped(client, paper):
    response = client.get(paper.get_absolute_url())
    assert b"<script>" not in response.content
    assert b"O&#x27;Brien &lt;script&gt;" in response.content


def test_citation_dates_are_slash_separated(client, paper):
    response = client.get(paper.get_absolute_url())
    assert meta(response, "citation_publication_date") == ["2024/04/30"]
    assert meta(response, "citation_online_date") == ["2024/05/02"]


def test_citation_links_point_at_arxiv(client, paper):
    response = client.get(paper.get_absolute_url())
    assert meta(response, "citation_arxiv_id") == [paper.arxiv_id]
    assert meta(response, "citation_pdf_url") == [f"https://arxiv.org/pdf/{paper.versioned_id}"]
    assert meta(response, "citation_abstract_html_url") == [f"https://arxiv.org/abs/{paper.versioned_id}"]
    assert meta(response, "citation_doi") == ["10.1000/xyz_123"]


def test_paper_only_in_a_draft_has_no_citation_tags_even_for_staff(admin_client):
    draft = make_digest(papers=1, published=False)
    response = admin_client.get(draft.entries.get().paper.get_absolute_url())
    assert response.status_code == 200  # staff preview the page
    assert meta(response, "citation_title") == []


def test_paper_page_links_its_bibtex(client, paper):
    html = lxml.html.fromstring(client.get(paper.get_absolute_url()).content)
    assert html.xpath(f"//p[@class='links']/a[@href='/papers/{paper.arxiv_id}.bib']")


def test_digest_page_links_its_bibtex(client, digest):
    html = lxml.html.fromstring(client.get(digest.get_absolute_url()).content)
    assert html.xpath(f"//header[@class='digest-head']//a[@href='/topics/diffusion/{digest.date.isoformat()}.bib']")


# --- BibTeX text ----------------------------------------------------------------------------


def test_bibtex_record_has_the_arxiv_fields(paper):
    (entry,) = parse(papers_bibtex([paper])).entries
    assert entry.entry_type == "misc"
    assert entry.key == "lovelace2024schrodinger"
    assert entry["year"] == "2024"
    assert entry["month"] == "apr"
    assert entry["eprint"] == paper.arxiv_id
    assert entry["archivePrefix"] == "arXiv"
    assert entry["primaryClass"] == "cs.CV"
    assert entry["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
    assert entry["doi"] == "10.1000/xyz_123"


def test_bibtex_has_no_doi_field_without_a_doi(digest):
    paper = digest.entries.first().paper
    (entry,) = parse(papers_bibtex([paper])).entries
    assert "doi" not in entry.fields_dict


def test_bibtex_title_round_trips_special_characters(paper):
    # Decoding drops the case-keeping outer braces and leaves the math as TeX.
    (entry,) = parse(papers_bibtex([paper]), decode=True).entries
    assert entry["title"] == HARD_TITLE


def test_bibtex_title_escapes_latex_specials_outside_math(paper):
    (entry,) = parse(papers_bibtex([paper])).entries
    title = entry["title"]
    for escaped in ("{\\&}", "{\\%}", "{\\_}", "{\\#}", "{\\{}Braces{\\}}", 'Schr{\\"o}dinger'):
        assert escaped in title
    assert "$\\mathcal{O}(n^{2})$" in title  # math stays TeX, untouched


def test_bibtex_keeps_a_literal_dollar_literal():
    encoded = latex_text("Costs \\$5 or $x$")
    assert encoded == "Costs {\\$}5 or $x$"
    decoded = parse(f"@misc{{k, title = {{{encoded}}}}}", decode=True).entries[0]["title"]
    assert decoded == "Costs $5 or $x$"


def test_bibtex_encodes_unbalanced_math_as_text():
    encoded = latex_text("A $x^{2$ bound")
    assert parse(f"@misc{{k, title = {{{encoded}}}}}").entries[0]["title"] == encoded
    assert "{\\{}" in encoded


def test_bibtex_authors_are_joined_with_and_and_round_trip(paper):
    (entry,) = parse(papers_bibtex([paper]), decode=True).entries
    assert entry["author"] == " and ".join(paper.authors)


def test_bibtex_keeps_an_author_with_and_in_the_name_whole(digest):
    paper = digest.entries.first().paper
    paper.authors = ["Barnes and Noble Lab", "Smith, Jr., John"]
    (entry,) = parse(papers_bibtex([paper])).entries
    assert entry["author"] == "{Barnes and Noble Lab} and {Smith, Jr., John}"


def test_bibtex_keys_are_unique_in_one_file():
    papers = [
        PaperFactory.build(title="A Study of Diffusion", published=datetime.datetime(2024, 5, 1, tzinfo=UTC))
        for _ in range(3)
    ]
    keys = [entry.key for entry in parse(papers_bibtex(papers)).entries]
    assert keys == ["lovelace2024study", "lovelace2024studya", "lovelace2024studyb"]


def test_bibtex_key_of_a_name_without_latin_letters_still_has_letters():
    paper = PaperFactory.build(title="扩散模型", authors=["王伟"], published=datetime.datetime(2024, 5, 1, tzinfo=UTC))
    assert paper_bibtex_key(paper) == "arxiv2024"


# --- downloads --------------------------------------------------------------------------------


def test_paper_bibtex_download_is_bibtex_with_a_filename(client, paper):
    response = client.get(f"/papers/{paper.arxiv_id}.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{paper.arxiv_id}.bib"'
    (entry,) = parse(response.content.decode()).entries
    assert entry["eprint"] == paper.arxiv_id


def test_digest_bibtex_lists_its_shown_papers_in_order(client, digest):
    hidden = PaperFactory()
    DigestEntryFactory(digest=digest, paper=hidden, position=9, hidden=True)
    response = client.get(f"/topics/diffusion/{digest.date.isoformat()}.bib")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="diffusion-{digest.date.isoformat()}.bib"'
    eprints = [entry["eprint"] for entry in parse(response.content.decode()).entries]
    assert eprints == [e.paper.arxiv_id for e in digest.entries.filter(hidden=False).order_by("position")]


def test_bibtex_of_a_paper_only_in_a_draft_is_404(client):
    draft = make_digest(papers=1, published=False)
    assert client.get(f"/papers/{draft.entries.get().paper.arxiv_id}.bib").status_code == 404
    assert client.get(f"/topics/{draft.topic.slug}/{draft.date.isoformat()}.bib").status_code == 404


def test_bibtex_of_an_unknown_paper_is_404(client, digest):
    assert client.get("/papers/9999.99999.bib").status_code == 404


def test_bibtex_download_is_a_cached_public_page(client, paper, django_assert_num_queries):
    url = f"/papers/{paper.arxiv_id}.bib"
    first = client.get(url)
    assert "public" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_bibtex_download_answers_conditional_get(client, digest):
    url = f"/topics/diffusion/{digest.date.isoformat()}.bib"
    response = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_bibtex_follows_a_corrected_title(client, paper):
    url = f"/papers/{paper.arxiv_id}.bib"
    client.get(url)
    paper.title = "A Corrected Title"
    paper.save()
    public_cache_invalidate()
    (entry,) = parse(client.get(url).content.decode()).entries
    assert entry["title"] == "{A Corrected Title}"


@pytest.mark.parametrize("kind", ["digest", "paper"])
def test_bibtex_queries_do_not_grow_with_papers(client, settings, kind, django_assert_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0

    def url(digest):
        if kind == "paper":
            return f"/papers/{digest.entries.first().paper.arxiv_id}.bib"
        return f"/topics/{digest.topic.slug}/{digest.date.isoformat()}.bib"

    small = make_digest(papers=5, topic=TopicFactory(slug="small"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(small)).status_code == 200
    large = make_digest(papers=50, topic=TopicFactory(slug="large"))
    with django_assert_num_queries(len(few)):
        response = client.get(url(large))
    assert response.status_code == 200
