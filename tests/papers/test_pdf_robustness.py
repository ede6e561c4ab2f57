"""Unreadable files fail with a clear error and lose nothing."""

import pytest

from papers.models import Paper
from papers.services.errors import PdfError
from papers.services.pdf import paper_parse
from tests.factories import FigureFactory
from tests.pdfgen import make_encrypted_pdf, make_paper, stored_paper

pytestmark = pytest.mark.django_db

GOOD = make_paper(seed=41, figures=()).data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML page"),
        (b"PK\x03\x04 this is a zip file", "not a PDF"),
        (GOOD[: len(GOOD) // 2], "truncated"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "damaged"),
        (make_encrypted_pdf(), "password-protected"),
    ],
    ids=["zero-byte", "html", "not-pdf", "truncated", "corrupt", "encrypted"],
)
def test_unreadable_pdf_raises_clear_error_and_keeps_what_was_stored(data, message):
    paper = stored_paper(data, title="Kept Title", comment="Kept comment")
    figure = FigureFactory(paper=paper, fingerprint="old")
    content = paper.content
    content.text = "earlier text"
    content.save()

    with pytest.raises(PdfError, match=message) as err:
        paper_parse(paper=paper)

    assert err.value.step == "parse"
    paper = Paper.objects.get(pk=paper.pk)
    assert (paper.title, paper.comment) == ("Kept Title", "Kept comment")
    assert paper.content.text == "earlier text"
    assert paper.content.parsed_at is None
    assert paper.content.pdf.storage.exists(paper.content.pdf.name)
    assert list(paper.figures.all()) == [figure]


def test_missing_stored_file_is_a_clear_error():
    paper = stored_paper(GOOD)
    paper.content.pdf.storage.delete(paper.content.pdf.name)
    with pytest.raises(PdfError, match="missing"):
        paper_parse(paper=paper)


def test_a_good_paper_after_a_bad_one_still_parses():
    bad = stored_paper(b"<html>oops</html>")
    good = stored_paper(GOOD)
    with pytest.raises(PdfError):
        paper_parse(paper=bad)
    assert paper_parse(paper=good).parsed_at is not None
