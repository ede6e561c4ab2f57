"""The PDF stage: text, sections, facts and figure screenshots from a downloaded PDF.

``paper_parse(*, paper) -> PaperContent`` reads ``paper.content.pdf`` through
Django's storage, fills the content row (text, sections, affiliation, code
links, warnings) and replaces the paper's automatic figures; it raises
``PdfError`` with a message an editor understands when the file cannot be read,
leaving the metadata, the stored PDF and existing figures untouched.

Thread safety: pymupdf (MuPDF) is not thread-safe. Every document, page and
display-list call happens in the calling thread, and one document is open at a
time; run several papers in parallel with processes (the django-q2 workers are
processes), never threads.

Speed: each page is interpreted once, into a display list; its text and the
boxes of its drawings come from one text pass over that list, and the figure
screenshots are rendered from the same list, only where a figure is. Time per
step is kept in ``STEP_SECONDS`` (bench/pdf.py prints it).

Modules: ``layout`` (lines, furniture, columns), ``figures`` (caption → region),
``images`` (render, encode, store), ``body`` (paragraphs, headings, the
section map, the summarizer's input), ``affiliation`` and ``links`` (facts read without a model).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import pymupdf
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import Figure, FigureKind, Paper, PaperContent
from papers.services.errors import PdfError
from papers.signals import public_data_changed_on_commit

from . import affiliation, body, figures, images, layout, links
from .body import summarizer_input

__all__ = ["paper_parse", "summarizer_input"]

logger = logging.getLogger("paperdigest.pdf")

# MuPDF prints errors and warnings to stderr by default; we keep them with the paper instead.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

MAX_WARNINGS = 50
COVER_SHARE = 0.45  # the cover is the top 45% of page 1: title, authors, usually a teaser
STORE_FREE_PERCENT = 99
MAX_KEPT_LISTS = 16  # display lists kept from reading to rendering, per paper

# Seconds this process has spent in each step of the stage; bench/pdf.py prints
# the breakdown, and each parse logs its own at DEBUG.
STEPS = ("open/close", "text extraction", "layout", "figure detection", "rendering", "encoding", "DB/storage")
STEP_SECONDS: Counter[str] = Counter()


@contextmanager
def _step(name: str, spent: Counter):
    start = time.perf_counter()
    try:
        yield
    finally:
        spent[name] += time.perf_counter() - start


def paper_parse(*, paper: Paper) -> PaperContent:
    """Read the stored PDF into the paper's content row and automatic figures."""
    content = paper.content
    spent: Counter[str] = Counter()
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    with _step("open/close", spent):
        doc = _open(content)
    try:
        result, lists = _read(doc, paper, spent)
        pictures = _render(doc, result, lists, spent)
        del lists
    except PdfError:
        raise
    except Exception as exc:  # MuPDF raises several types for damaged content streams
        logger.warning("PDF parse failed for %s: %r", paper.arxiv_id, exc)
        raise PdfError(f"The PDF is damaged and could not be read ({_short(exc)}).") from exc
    finally:
        start = time.perf_counter()
        doc.close()
        # MuPDF keeps decoded images and fonts in a process-wide store (up to 256 MB);
        # nothing of a closed paper is reused, so hand it back and keep workers flat.
        # Free 99%, least recently used first: emptying it all (100) also drops the
        # small entries every render needs (colour conversions), and rebuilding
        # them cost ~2 ms a paper.
        pymupdf.TOOLS.store_shrink(STORE_FREE_PERCENT)
        spent["open/close"] += time.perf_counter() - start
    result["warnings"] = _mupdf_warnings() + result["warnings"]
    with _step("DB/storage", spent):
        _save(paper=paper, content=content, result=result, pictures=pictures)
    STEP_SECONDS.update(spent)
    logger.debug("Parsed %s: %s", paper.arxiv_id, ", ".join(f"{name} {1000 * spent[name]:.0f} ms" for name in STEPS))
    return content


# --- opening --------------------------------------------------------------


def _short(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0][:200]


def _open(content: PaperContent) -> pymupdf.Document:
    """Open the stored PDF or raise PdfError saying what is wrong with the file."""
    if not content.pdf:
        raise PdfError("No PDF is stored for this paper; download it first.")
    try:
        size = content.pdf.size
        with content.pdf.open("rb") as fh:
            if size <= settings.PDF_MAX_BYTES:
                # Parse from memory (the download caps the size): MuPDF reads a page
                # ~0.4 ms faster from memory than through a file.
                data = fh.read()
                head, tail = data[:1024], data[-2048:]
            else:  # stored before a lower cap: let MuPDF read the file, not a copy in memory
                data = None
                head = fh.read(1024)
                fh.seek(max(0, size - 2048))
                tail = fh.read()
    except (FileNotFoundError, OSError) as exc:
        raise PdfError(f"The stored PDF file is missing or unreadable ({_short(exc)}); download it again.") from exc
    if size == 0:
        raise PdfError("The PDF file is empty (0 bytes); download it again.")
    if b"%PDF-" not in head:
        sniff = head.lstrip()[:200].lower()
        if sniff.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in sniff:
            raise PdfError(
                "The stored file is an HTML page, not a PDF (the server sent an error page); download it again."
            )
        raise PdfError("The stored file is not a PDF (it does not start with %PDF-).")
    if b"%%EOF" not in tail:
        raise PdfError("The PDF is truncated (it has no end-of-file marker); download it again.")
    try:
        if data is not None:
            doc = pymupdf.open(stream=data, filetype="pdf")
        elif path := _local_path(content):
            doc = pymupdf.open(path, filetype="pdf")
        else:  # a remote storage: no path to hand MuPDF
            with content.pdf.open("rb") as fh:
                doc = pymupdf.open(stream=fh.read(), filetype="pdf")
    except Exception as exc:
        raise PdfError(f"The PDF is damaged and cannot be opened ({_short(exc)}).") from exc
    if doc.needs_pass:
        doc.close()
        raise PdfError("The PDF is password-protected, so it cannot be read.")
    if doc.page_count == 0:
        doc.close()
        raise PdfError("The PDF has no readable pages (the file is damaged).")
    return doc


def _local_path(content: PaperContent) -> str | None:
    try:
        path = content.pdf.path
    except NotImplementedError:
        return None
    return path if os.path.isfile(path) else None


def _mupdf_warnings() -> list[str]:
    raw = pymupdf.TOOLS.mupdf_warnings(reset=True) or ""
    out: list[str] = []
    for line in raw.splitlines():
        line = line.strip()
        if line and line not in out:
            out.append(f"MuPDF: {line}")
    return out[:MAX_WARNINGS]


# --- reading --------------------------------------------------------------


def _read(doc: pymupdf.Document, paper: Paper, spent: Counter) -> tuple[dict, dict[int, pymupdf.DisplayList]]:
    """Read every page once; return the result and the display lists worth keeping for rendering.

    A page's display list is kept when the page may hold a figure (a caption-like
    line) and for page 1 (the cover fallback), so no page is interpreted twice;
    figure detection reads drawings and images from it only where a caption is.
    At most MAX_KEPT_LISTS are kept (a display list of a dense plot is large);
    pages past that are interpreted again when needed.
    """
    clock = time.perf_counter()
    extracting = 0.0
    warnings: list[str] = []
    total = doc.page_count
    limit = max(1, settings.PDF_MAX_PAGES)
    count = min(total, limit)
    if total > limit:
        warnings.append(f"Only the first {limit} of {total} pages were read (PDF_MAX_PAGES).")
    pages: list[layout.PageLayout] = []
    lists: dict[int, pymupdf.DisplayList] = {}
    uris: list[tuple[int, pymupdf.Rect, str]] = []
    for i in range(count):
        start = time.perf_counter()
        try:
            page = doc.load_page(i)
            dl = page.get_displaylist()
            pl = layout.page_layout(dl, i, page.rect)
            pages.append(pl)
            if (i == 0 or figures.may_hold_figures(pl)) and len(lists) < MAX_KEPT_LISTS:
                lists[i] = dl
            for link in page.get_links():
                if link.get("kind") == pymupdf.LINK_URI and link.get("uri"):
                    uris.append((i, pymupdf.Rect(link["from"]), link["uri"]))
        except Exception as exc:
            warnings.append(f"Page {i + 1} could not be read: {_short(exc)}")
        extracting += time.perf_counter() - start
    if not pages:
        raise PdfError("No page of the PDF could be read (the file is damaged).")
    layout.mark_furniture(pages)
    body_size = layout.body_font_size(pages)
    for pl in pages:
        layout.assign_columns(pl)
    usual = layout.document_gutter(pages)
    start = time.perf_counter()
    per_page = _pages_figures(doc, lists, pages, usual, body_size, layout.body_font(pages, body_size))
    detecting = time.perf_counter() - start
    found: list[figures.FoundFigure] = []
    ordered_all: list[layout.Line] = []
    # Words inside a plot or a table (tick labels, "ours") are neither body text nor a URL's tail.
    outside: list[tuple[layout.PageLayout, list[layout.Line]]] = []
    for pl, ordered, page_figs in per_page:
        inside = figures.region_lines([f.rect for f in page_figs], ordered)
        kept = [ln for ln in ordered if id(ln) not in inside] if inside else ordered
        outside.append((pl, kept))
        ordered_all.extend(kept)
        found.extend(page_figs)
    document = body.build_document(ordered_all, body_size)
    if not document.text.strip():
        warnings.append("The PDF has no extractable text (scanned images only?).")
    found_affiliation = affiliation.first_author_affiliation(pages[0], list(paper.authors or []), body_size, pages[-1])
    footnote_marks: dict[int, str] = {}
    refs = _References.of(document, pages)
    found_links = (
        links.find_links(paper.abstract or "", "abstract")
        + links.find_links(paper.comment or "", "comment")
        + links.pdf_links(
            _link_lines(outside, refs, body_size, footnote_marks),
            body_size=body_size,
            page_heights={pl.index: pl.height for pl in pages},
            authors=list(paper.authors or []),
            title=paper.title or "",
            annotations=[(p, tuple(rect), uri) for p, rect, uri in uris if not _in_references(p, rect, refs, pages)],
            footnote_marks=footnote_marks,
        )
    )
    spent["text extraction"] += extracting
    spent["figure detection"] += detecting
    spent["layout"] += time.perf_counter() - clock - extracting - detecting
    return {
        "page_count": total,
        "text": document.text,
        "sections": document.sections,
        "affiliation": found_affiliation.text,
        "affiliation_evidence": found_affiliation.evidence,
        "affiliation_note": found_affiliation.note,
        "code_links": links.dedupe_links(found_links),
        "warnings": warnings,
        "figures": _dedupe_figures(found),
        "page_sizes": {pl.index: (pl.width, pl.height) for pl in pages},
    }, lists


PageFigures = tuple[layout.PageLayout, list[layout.Line], list[figures.FoundFigure]]


def _pages_figures(
    doc: pymupdf.Document,
    lists: dict[int, pymupdf.DisplayList],
    pages: list[layout.PageLayout],
    usual: float | None,
    body_size: float,
    body_font: str,
) -> list[PageFigures]:
    """Each page with its body lines in reading order and its figures.

    Finding figures only turns some lines into captions, so the order is also
    the one the body and caption lines (and their links) are read in. The
    bench counts all of it as figure detection, column fallback and reading
    order included.
    """
    per_page: list[PageFigures] = []
    read: set[int] = set()

    def graphics_read(pl: layout.PageLayout) -> None:
        if pl.index not in read:  # a page may be asked twice: for its captions, then the next page's
            layout.read_graphics(pl, _display_list(doc, lists, pl.index))
            read.add(pl.index)

    for pl in pages:
        if pl.gutter is None and usual is not None:
            layout.assign_columns(pl, fallback=usual)
        layout.join_row_fragments(pl)
        ordered = layout.reading_order([ln for ln in pl.lines if ln.role == "body"])
        captions = figures.find_captions(ordered, body_size, pl)
        if captions:
            graphics_read(pl)
        page_figs, unplaced = figures.find_figures(pl, ordered, captions, body_size, body_font)
        previous = per_page[-1] if per_page and per_page[-1][0].index == pl.index - 1 else None
        for caption in unplaced:
            # A tall figure at the foot of a page may leave its caption to open the next one.
            if previous is not None and figures.opens_page(caption, pl, ordered):
                prev_pl, prev_ordered, prev_figs = previous
                graphics_read(prev_pl)
                fig = figures.find_figure_before(prev_pl, prev_ordered, caption, prev_figs, body_size, body_font)
                if fig is not None:
                    prev_figs.append(fig)
        per_page.append((pl, ordered, page_figs))
    return per_page


def _display_list(doc: pymupdf.Document, lists: dict[int, pymupdf.DisplayList], index: int) -> pymupdf.DisplayList:
    """The page's display list: the one kept from reading, or the page interpreted again."""
    kept = lists.get(index)
    return kept if kept is not None else doc.load_page(index).get_displaylist()


def _link_lines(
    per_page: list[tuple[layout.PageLayout, list[layout.Line]]],
    refs: _References | None,
    body_size: float,
    footnote_marks: dict[int, str],
) -> list[layout.Line]:
    """Body, caption and footnote lines in reading order, without the reference list (other papers' links).

    ``per_page`` holds each page's lines already without those inside its figures.
    Footnotes at the foot of the page the references start on come after them
    in reading order but are the paper's, so they are kept. The mark of each
    line opening a footnote goes into ``footnote_marks`` (by id) for ``links.pdf_links``.
    """
    out = []
    for pl, ordered in per_page:
        notes_from: dict[int, float] = {}  # column -> y of the page's first footnote
        for ln in ordered:
            if (mark := links.footnote_start(ln, body_size, pl.height)) is not None:
                footnote_marks[id(ln)] = mark
                notes_from[ln.col] = min(notes_from.get(ln.col, ln.y0), ln.y0)
        for ln in ordered:
            in_notes = ln.col in notes_from and ln.y0 >= notes_from[ln.col] - 1
            if refs is not None and not in_notes and refs.hold(pl.index, ln, pl):
                continue
            out.append(ln)
    return out


@dataclass(frozen=True)
class _References:
    """Where the reference list is (other papers' code links live there), read once for the paper."""

    page: int
    y: float
    col: int
    right_top: float  # where it goes on in the right column when it starts in the left one

    @classmethod
    def of(cls, document: body.Document, pages: list[layout.PageLayout]) -> _References | None:
        if not document.references_at:
            return None
        page, y, col = document.references_at
        pl = next((p for p in pages if p.index == page), None)
        right_top = _right_references_top(pl, y) if pl is not None and pl.gutter is not None and col == 0 else 0.0
        return cls(page, y, col, right_top)

    def hold(self, page: int, rect: layout.Line | pymupdf.Rect, pl: layout.PageLayout) -> bool:
        """Is this spot inside the reference list?"""
        if page != self.page:
            return page > self.page
        if pl.gutter is None or self.col == -1:
            return rect.y0 >= self.y - 1
        right = rect.x0 >= pl.gutter - 2
        if self.col == 0:
            return rect.y0 >= self.y - 1 or (right and rect.y0 >= self.right_top - 1)
        return right and rect.y0 >= self.y - 1


def _right_references_top(pl: layout.PageLayout, ref_y: float) -> float:
    """Where the reference list goes on in the right column when it starts in the left one at ``ref_y``.

    Mostly at the column's top. revtex sets the list in two balanced columns
    below the text of both: then its right half starts level with the left
    one below a gap, and the right column's text above the gap (the
    conclusion) is the paper's.
    """
    right = [ln for ln in pl.lines if ln.col == 1 and ln.role == "body"]
    level = [ln for ln in right if abs(ln.y0 - ref_y) <= 3]
    above = [ln.y1 for ln in right if ln.y1 < ref_y - 1]
    return ref_y if level and above and level[0].y0 - max(above) > 2 * level[0].height else 0.0


def _in_references(page: int, rect: pymupdf.Rect, refs: _References | None, pages: list[layout.PageLayout]) -> bool:
    if refs is None:
        return False
    pl = next((p for p in pages if p.index == page), None)
    return pl is not None and refs.hold(page, rect, pl)


def _dedupe_figures(found: list[figures.FoundFigure]) -> list[figures.FoundFigure]:
    """Keep one region per label: the first, in document order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for fig in sorted(found, key=lambda f: (f.page, f.seq)):
        key = (fig.kind, fig.label)
        if key in seen:
            continue
        seen.add(key)
        out.append(fig)
    return out


# --- rendering ------------------------------------------------------------


def _render(
    doc: pymupdf.Document, result: dict, lists: dict[int, pymupdf.DisplayList], spent: Counter
) -> list[tuple[dict, images.Picture]]:
    """Render each region from its page's display list; fall back to a cover.

    Only pages with a figure are rasterised, and only inside each region's clip.
    """
    by_page: dict[int, list[figures.FoundFigure]] = {}
    for fig in result["figures"]:
        by_page.setdefault(fig.page, []).append(fig)
    pictures: list[tuple[dict, images.Picture]] = []
    for index, figs in by_page.items():
        with _step("rendering", spent):
            dl = _display_list(doc, lists, index)
        for fig in figs:
            with _step("rendering", spent):
                shot = images.render_clip(dl, fig.rect)
            if shot is None:
                result["warnings"].append(f"{fig.label} on page {fig.page + 1} looked blank and was skipped.")
                continue
            meta = {
                "kind": fig.kind,
                "label": fig.label,
                "caption": fig.caption,
                "page": fig.page + 1,
                "bbox": [round(v, 1) for v in fig.rect],
                "fingerprint": fig.fingerprint,
                "seq": fig.seq,
            }
            with _step("encoding", spent):
                pictures.append((meta, images.encode(shot)))
        del dl
    pictures.sort(key=lambda p: (p[0]["page"], p[0]["seq"]))
    if not pictures:
        page = doc.load_page(0)
        clip = pymupdf.Rect(0, 0, page.rect.width, page.rect.height * COVER_SHARE)
        with _step("rendering", spent):
            # Title pages are mostly white by nature; only a truly empty top is refused.
            shot = images.render_clip(_display_list(doc, lists, 0), clip, max_white=0.999)
        if shot is not None:
            meta = {
                "kind": FigureKind.COVER,
                "label": "",
                "caption": "",
                "page": 1,
                "bbox": [round(v, 1) for v in clip],
                "fingerprint": figures.figure_fingerprint(kind="cover", label="", caption=""),
            }
            with _step("encoding", spent):
                pictures.append((meta, images.encode(shot)))
    return pictures


# --- saving ---------------------------------------------------------------


def _stem(meta: dict) -> str:
    label = re.sub(r"[^a-z0-9]+", "-", (meta["label"] or meta["kind"]).lower()).strip("-")
    return f"{label}-p{meta['page']}"


_FIGURE_FIELDS = (
    "kind",
    "label",
    "caption",
    "page",
    "bbox",
    "fingerprint",
    "order",
    "image",
    "thumbnail",
    "width",
    "height",
    "thumb_width",
    "thumb_height",
)


def _save(*, paper: Paper, content: PaperContent, result: dict, pictures: list[tuple[dict, images.Picture]]) -> None:
    """Store files first, then swap rows in one transaction; old files go after commit.

    A figure found again (same fingerprint) is updated in place, so its ``hidden``
    flag and any digest pointing at it as cover stay as the editor left them.
    """
    written: list[tuple[dict, Figure, list[str]]] = []
    try:
        for meta, picture in pictures:
            # The holder of the stored files becomes the new row when the figure is new.
            holder = Figure(paper=paper, is_automatic=True)
            names = images.store_picture(figure=holder, picture=picture, stem=_stem(meta))
            written.append((meta, holder, names))
        with transaction.atomic():
            existing: dict[str, Figure] = {}
            stale: list[Figure] = []
            for fig in Figure.objects.select_for_update().filter(paper=paper, is_automatic=True).order_by("id"):
                if fig.fingerprint and fig.fingerprint not in existing:
                    existing[fig.fingerprint] = fig
                else:
                    stale.append(fig)
            old_files: list[str] = []
            created: list[Figure] = []
            updated: list[Figure] = []
            for order, (meta, holder, _names) in enumerate(written):
                fig = existing.pop(meta["fingerprint"], None)
                if fig is None:
                    fig = holder
                    created.append(fig)
                else:
                    old_files += [fig.image.name, fig.thumbnail.name]
                    updated.append(fig)
                for key in ("kind", "label", "caption", "page", "bbox", "fingerprint"):
                    setattr(fig, key, meta[key])
                fig.order = order
                for field in ("image", "thumbnail"):
                    getattr(fig, field).name = getattr(holder, field).name
                fig.width, fig.height = holder.width, holder.height
                fig.thumb_width, fig.thumb_height = holder.thumb_width, holder.thumb_height
            Figure.objects.bulk_create(created)
            # One plain UPDATE per kept figure: bulk_update's CASE per field and row cost more to
            # build (about 4 ms a figure) than these few queries take to run.
            for fig in updated:
                Figure.objects.filter(pk=fig.pk).update(**{field: getattr(fig, field) for field in _FIGURE_FIELDS})
            gone = stale + list(existing.values())
            for fig in gone:
                old_files += [fig.image.name, fig.thumbnail.name]
            if gone:
                Figure.objects.filter(pk__in=[fig.pk for fig in gone]).delete()
            for key in (
                "page_count",
                "text",
                "sections",
                "affiliation",
                "affiliation_evidence",
                "affiliation_note",
                "code_links",
            ):
                setattr(content, key, result[key])
            content.warnings = result["warnings"][:MAX_WARNINGS]
            content.parsed_version = paper.version
            content.parsed_at = timezone.now()
            content.save()
            transaction.on_commit(lambda: images.delete_files(old_files))
            public_data_changed_on_commit(paper_ids=[paper.pk])
    except Exception:
        images.delete_files([name for _m, _h, names in written for name in names])
        raise
