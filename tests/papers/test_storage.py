"""PDFs and figures go through Django's storage API, so object storage is a settings change."""

import pytest
from django.core.files.storage import InMemoryStorage

from papers.services.parse import paper_parse
from tests.pdfgen import make_paper, stored_paper


@pytest.fixture
def in_memory_media(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return settings


@pytest.mark.django_db
def test_pdf_and_figures_are_written_through_the_configured_storage(in_memory_media, tmp_path):
    content = paper_parse(paper=stored_paper(make_paper(seed=3, figures=("plot", "raster")).data))
    figures = list(content.paper.figures.all())
    assert isinstance(content.pdf.storage, InMemoryStorage)
    assert figures and all(isinstance(f.image.storage, InMemoryStorage) for f in figures)
    assert all(content.pdf.storage.exists(f.image.name) and f.width for f in figures)
    assert not (tmp_path / "media").exists()  # nothing reached the local MEDIA_ROOT
