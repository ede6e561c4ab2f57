"""Unreadable files fail with a clear error and lose nothing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage

from papers.models import Paper
from papers.services.errors import PdfError
from papers.services.parse import images, paper_parse
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


class FillingDiskStorage(FileSystemStorage):
    """Local storage whose disk fills up after ``room`` more files."""

    room: int | None = None

    def _save(self, name, content):
        if FillingDiskStorage.room is not None:
            if FillingDiskStorage.room <= 0:
                raise OSError(28, "No space left on device")
            FillingDiskStorage.room -= 1
        return super()._save(name, content)


def figure_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "figures"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def parsed_twice_figures():
    """A paper parsed once (three figures on disk); returns it, its rows and its files."""
    paper = stored_paper(make_paper(seed=42, figures=("plot", "raster", "table")).data)
    paper_parse(paper=paper)
    rows = [(f.pk, f.image.name, f.thumbnail.name) for f in paper.figures.order_by("order")]
    return paper, rows, figure_files()


def test_a_full_disk_while_storing_figures_removes_the_new_files_and_keeps_the_old(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FillingDiskStorage"}}
    paper, rows, files = parsed_twice_figures()
    FillingDiskStorage.room = 2
    try:
        with pytest.raises(OSError, match="No space left"):
            paper_parse(paper=paper)
    finally:
        FillingDiskStorage.room = None

    assert figure_files() == files
    assert [(f.pk, f.image.name, f.thumbnail.name) for f in paper.figures.order_by("order")] == rows


def test_a_page_failing_to_render_after_figures_were_stored_removes_them(monkeypatch):
    paper, rows, files = parsed_twice_figures()
    parsed_at = Paper.objects.get(pk=paper.pk).content.parsed_at
    render = images.render_clip
    calls = []

    def render_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("code=2: cannot render page")
        return render(*args, **kwargs)

    monkeypatch.setattr(images, "render_clip", render_then_fail)
    with pytest.raises(PdfError, match="damaged"):
        paper_parse(paper=paper)

    assert figure_files() == files
    assert [(f.pk, f.image.name, f.thumbnail.name) for f in paper.figures.order_by("order")] == rows
    assert Paper.objects.get(pk=paper.pk).content.parsed_at == parsed_at
