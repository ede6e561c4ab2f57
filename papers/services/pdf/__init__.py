"""The PDF stage: text, sections, facts and figure screenshots from a downloaded PDF.

PLACEHOLDER until the PDF stage lands: reads the page count and plain text only.
Contract: ``paper_parse(*, paper) -> PaperContent`` reads ``paper.content.pdf``,
fills the content row and the paper's automatic figures, and raises
``PdfError`` with a readable message when the file cannot be read.
"""

from __future__ import annotations

import pymupdf
from django.utils import timezone

from papers.models import Paper, PaperContent
from papers.services.errors import PdfError


def paper_parse(*, paper: Paper) -> PaperContent:
    content = paper.content
    try:
        with content.pdf.open("rb") as fh:
            data = fh.read()
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises several types for broken files
        raise PdfError(f"Cannot open the PDF: {exc}") from exc
    with doc:
        content.page_count = doc.page_count
        content.text = "\n".join(page.get_text() for page in doc)
    content.parsed_version = paper.version
    content.parsed_at = timezone.now()
    content.save()
    return content
