"""Import Hexo digest posts: topics, papers, imported summaries, figures and a published digest.

Each file is one transaction: a post that fails anywhere leaves nothing
behind, and the report names its file and line. Facts come from the post's
own metadata lines (the script-written ``**Authors:**``, abstract and PDF
link); what the model wrote about the facts (its title/authors/affiliation/
link lines) is never stored as fact, only checked, and every disagreement
becomes a flag on the summary for an editor. Re-importing an unchanged file
writes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from digests.hexo.parser import Claims, HexoParseError, Post, PostPaper, Problem, parse_arxiv_url, parse_post
from digests.models import Digest, DigestEntry
from digests.services.public import public_site_refresh
from digests.services.publish import digest_publish, digest_set_cover
from papers.models import (
    Figure,
    FigureKind,
    Language,
    Paper,
    PaperStatus,
    RevisionKind,
    RevisionState,
    Summary,
    SummaryRevision,
    Topic,
    TopicPaper,
    flag_columns,
)
from papers.services.revisions import Generation, normalise_content, summary_record_generated
from papers.services.validation import flag_make
from papers.text import CJK_CHAR

logger = logging.getLogger("paperdigest.hexo_import")

BACKEND = "hexo-import"
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_TIMEOUT_SECONDS = 20.0
THUMBNAIL_SIZE = (480, 480)


@dataclass
class FileReport:
    """What importing one file did."""

    path: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    flagged: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    error: Problem | None = None
    digest_id: int | None = None

    @property
    def skipped(self) -> bool:
        return self.error is not None

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def describe(self) -> str:
        if self.error is not None:
            return f"{self.path}:{self.error.line}: {self.error.message} — file skipped, nothing imported"

        def counts(counter: Counter) -> str:
            return ", ".join(f"{n} {name}" for name, n in counter.items() if n) or "nothing"

        parts = [f"created {counts(self.created)}", f"updated {counts(self.updated)}"]
        if sum(self.unchanged.values()):
            parts.append(f"skipped as unchanged {counts(self.unchanged)}")
        text = f"{self.path}: " + "; ".join(parts)
        if self.flagged:
            flagged = "; ".join(f"{arxiv_id} ({', '.join(codes)})" for arxiv_id, codes in self.flagged.items())
            text += f"; flagged {len(self.flagged)}: {flagged}"
        for warning in self.warnings:
            text += f"\n  {self.path}:{warning.line}: {warning.message}"
        return text


class _ImportFailed(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


# --- checks of what the model claimed ---------------------------------------


def _name_key(name: str) -> str:
    """Compare names ignoring case, accents, punctuation and word order ("Bo zhao" = "Zhao Bo")."""
    text = unicodedata.normalize("NFKD", name).casefold()
    words = re.findall(r"\w+", "".join(ch for ch in text if not unicodedata.combining(ch)))
    return " ".join(sorted(words))


def hexo_claim_flags(*, paper: Paper, claims: Claims) -> list[dict]:
    """Return flags for what the imported analysis says that the paper's facts contradict.

    The claims themselves are dropped (the site shows facts from metadata);
    the flags tell the editor the model was writing about something else.
    """
    flags: list[dict] = []
    real = {_name_key(name) for name in paper.authors}
    invented = [name for name in claims.authors if _name_key(name) not in real]
    if invented:
        flags.append(
            flag_make(
                "unknown_author",
                "The imported analysis names people who are not authors of this paper: " + ", ".join(invented),
                blocking=True,
            )
        )
    foreign = []
    for url in claims.urls:
        parsed = parse_arxiv_url(url)
        if parsed and parsed[0] != paper.arxiv_id and url not in foreign:
            foreign.append(url)
    if foreign:
        flags.append(
            flag_make(
                "foreign_reference",
                f"The imported analysis links another paper instead of arXiv {paper.arxiv_id}: " + ", ".join(foreign),
                blocking=True,
            )
        )
    if claims.affiliation:
        content = getattr(paper, "content", None)
        first_real = _name_key(paper.authors[0]) if paper.authors else ""
        if content is not None and content.affiliation:
            if _name_key(claims.affiliation) not in _name_key(content.affiliation) and _name_key(
                content.affiliation
            ) not in _name_key(claims.affiliation):
                flags.append(
                    flag_make(
                        "claimed_affiliation",
                        f"The imported analysis gives the affiliation as “{claims.affiliation}”; "
                        f"the PDF says “{content.affiliation}”.",
                        blocking=True,
                    )
                )
        elif claims.authors and _name_key(claims.authors[0]) != first_real:
            flags.append(
                flag_make(
                    "claimed_affiliation",
                    f"The imported analysis gives “{claims.affiliation}” as the affiliation of "
                    f"{claims.authors[0]}, who is not this paper's first author.",
                    blocking=True,
                )
            )
    # Placeholder text in the sections is the shared validation's job.
    return flags


def _merge_flags(existing: list[dict], extra: list[dict]) -> list[dict]:
    seen = {(flag.get("code"), flag.get("section", "")) for flag in existing}
    merged = list(existing)
    for flag in extra:
        key = (flag["code"], flag["section"])
        if key not in seen:
            seen.add(key)
            merged.append(flag)
    return merged


# --- rows -------------------------------------------------------------------


def _aware(value: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _language_of(post: Post) -> str:
    sample = " ".join(" ".join([paper.sections["one_line"], *paper.sections["key_takeaways"]]) for paper in post.papers)
    return Language.ZH_HANS if CJK_CHAR.search(sample) else Language.EN


def _topic_for(*, post: Post, language: str, report: FileReport) -> Topic:
    for name in [post.title, *post.tags]:
        if not name:
            continue
        topic = Topic.objects.filter(name__iexact=name).first() or Topic.objects.filter(slug=slugify(name)).first()
        if topic is not None:
            return topic
    name = post.title or (post.tags[0] if post.tags else "")
    if not name:
        raise _ImportFailed(1, "the post names no topic (no front matter title or tags); use --topic")
    slug = slugify(name) or "topic-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    report.created["topics"] += 1
    return Topic.objects.create(name=name, slug=slug, arxiv_query=f'abs:"{name}"', language=language)


def _paper_row(*, item: PostPaper, existing: Paper | None, at: datetime.datetime, report: FileReport) -> Paper:
    facts = {
        "version": item.version,
        "title": item.title,
        "abstract": item.abstract,
        "authors": item.authors,
        "comment": item.comment,
        "abs_url": f"https://arxiv.org/abs/{item.versioned_id}",
        "pdf_url": f"https://arxiv.org/pdf/{item.versioned_id}",
    }
    if existing is None:
        report.created["papers"] += 1
        return Paper.objects.create(
            arxiv_id=item.arxiv_id, published=at, updated=at, status=PaperStatus.SUMMARIZED, **facts
        )
    # A paper already here came from arXiv (or an earlier import): the post only
    # wins when it describes a newer version.
    if item.version > existing.version:
        for name, value in facts.items():
            setattr(existing, name, value)
        existing.updated = max(existing.updated, at)
        existing.save()
        report.updated["papers"] += 1
    else:
        report.unchanged["papers"] += 1
    return existing


def _latest_imported(summary_ids: list[int]) -> dict[int, dict]:
    latest: dict[int, dict] = {}
    revisions = (
        SummaryRevision.objects.filter(summary_id__in=summary_ids, kind=RevisionKind.IMPORTED)
        .order_by("summary_id", "-created_at", "-id")
        .values_list("summary_id", "content")
    )
    for summary_id, content in revisions:
        latest.setdefault(summary_id, content)
    return latest


def _summaries(*, post: Post, papers: dict[str, Paper], language: str, report: FileReport) -> None:
    existing = {s.paper_id: s for s in Summary.objects.filter(paper__in=list(papers.values()), language=language)}
    imported = _latest_imported([s.pk for s in existing.values()])
    for item in post.papers:
        paper = papers[item.arxiv_id]
        content = normalise_content(item.sections)
        summary = existing.get(paper.pk)
        if summary is not None and (
            content == normalise_content(summary.sections()) or content == imported.get(summary.pk)
        ):
            report.unchanged["summaries"] += 1
            if summary.flags:
                report.flagged[item.arxiv_id] = sorted({f.get("code", "") for f in summary.flags})
            continue
        revision = summary_record_generated(
            paper=paper,
            language=language,
            content=content,
            generation=Generation(backend=BACKEND, model_name=post.model_name, source_version=item.version),
            kind=RevisionKind.IMPORTED,
        )
        extra = hexo_claim_flags(paper=paper, claims=item.claims)
        revision.flags = _merge_flags(revision.flags, extra)
        revision.save(update_fields=["flags"])
        if revision.state == RevisionState.APPLIED:
            Summary.objects.filter(pk=revision.summary_id).update(flags=revision.flags, **flag_columns(revision.flags))
            (report.created if summary is None else report.updated)["summaries"] += 1
        else:
            report.created["candidate revisions"] += 1
        if revision.flags:
            report.flagged[item.arxiv_id] = sorted({f.get("code", "") for f in revision.flags})


def _figures(*, post: Post, papers: dict[str, Paper], report: FileReport) -> dict[str, Figure]:
    """Create the post's screenshots as figure references; return them by URL.

    Figures already here keep their order and hidden flag (an editor's choice).
    """
    existing: dict[tuple[int, str], Figure] = {}
    last_order: dict[int, int] = {}
    for figure in Figure.objects.filter(paper__in=list(papers.values())).only(
        "id", "paper_id", "source_url", "order", "hidden", "is_automatic"
    ):
        last_order[figure.paper_id] = max(last_order.get(figure.paper_id, -1), figure.order)
        if not figure.is_automatic and figure.source_url:
            existing[(figure.paper_id, figure.source_url)] = figure
    to_create = []
    for item in post.papers:
        paper = papers[item.arxiv_id]
        for url in item.figure_urls:
            if (paper.pk, url) in existing:
                continue
            order = last_order[paper.pk] = last_order.get(paper.pk, -1) + 1
            figure = Figure(
                paper=paper,
                kind=FigureKind.FIGURE,
                order=order,
                source_url=url,
                is_automatic=False,
                fingerprint=hashlib.sha256(url.encode()).hexdigest(),
            )
            to_create.append(figure)
            existing[(paper.pk, url)] = figure
    Figure.objects.bulk_create(to_create)
    report.created["figures"] += len(to_create)
    report.unchanged["figures"] += sum(len(i.figure_urls) for i in post.papers) - len(to_create)
    return {url: figure for (_paper_id, url), figure in existing.items()}


def _digest(*, post: Post, topic: Topic, papers: dict[str, Paper], figures: dict[str, Figure], report: FileReport):
    """Create the day's digest, or add the post's missing papers to it.

    What an editor decided on an existing digest stays: order, hidden entries,
    title, cover, and an unpublish after it first went out.
    """
    at = _aware(post.published_at)
    digest, created = Digest.objects.get_or_create(
        topic=topic,
        date=post.date,
        defaults={"title": post.title or topic.name, "description": post.description},
    )
    existing = {entry.paper_id: entry.position for entry in digest.entries.all()}
    start = max(existing.values(), default=-1) + 1
    new_entries = [
        DigestEntry(digest=digest, paper=papers[item.arxiv_id], position=start + offset)
        for offset, item in enumerate(p for p in post.papers if papers[p.arxiv_id].pk not in existing)
    ]
    DigestEntry.objects.bulk_create(new_entries)
    report.created["entries"] += len(new_entries)
    changed = bool(new_entries)
    for name, value in (("title", post.title), ("description", post.description)):
        if value and not getattr(digest, name):
            setattr(digest, name, value)
            digest.save(update_fields=[name, "updated_at"])
            changed = True
    if digest.first_published_at is None:
        # The post was public on that date; it stays public here, flags and all,
        # with the override written down by the publishing service.
        digest = digest_publish(digest=digest, user=None, at=at, override=True)
        changed = True
    cover = figures.get(post.cover)
    if cover is not None and digest.cover_figure_id is None and not cover.hidden:
        digest_set_cover(digest=digest, figure=cover)
        changed = True
    if created:
        report.created["digests"] += 1
    elif changed:
        report.updated["digests"] += 1
    else:
        report.unchanged["digests"] += 1
    report.digest_id = digest.pk


def hexo_post_import(*, post: Post, topic: Topic | None = None, report: FileReport) -> None:
    """Write one parsed post; call inside a transaction."""
    language = _language_of(post)
    if topic is None:
        topic = _topic_for(post=post, language=language, report=report)
    at = _aware(post.published_at)
    found = Paper.objects.select_related("content").in_bulk([p.arxiv_id for p in post.papers], field_name="arxiv_id")
    papers: dict[str, Paper] = {}
    for item in post.papers:
        try:
            papers[item.arxiv_id] = _paper_row(item=item, existing=found.get(item.arxiv_id), at=at, report=report)
        except Exception as exc:
            raise _ImportFailed(item.line, f"arXiv {item.arxiv_id}: {exc}") from exc
    linked = set(
        TopicPaper.objects.filter(topic=topic, paper__in=list(papers.values())).values_list("paper_id", flat=True)
    )
    TopicPaper.objects.bulk_create(
        [TopicPaper(topic=topic, paper=p, digest_date=post.date) for p in papers.values() if p.pk not in linked]
    )
    _summaries(post=post, papers=papers, language=language, report=report)
    figures = _figures(post=post, papers=papers, report=report)
    _digest(post=post, topic=topic, papers=papers, figures=figures, report=report)
    for item in post.papers:
        report.warnings.extend(Problem(w.line, f"arXiv {item.arxiv_id}: {w.message}") for w in item.warnings)


def hexo_file_import(*, path: Path, topic: Topic | None = None, fetch_images: bool = False) -> FileReport:
    """Import one post file in one transaction; report what happened instead of raising."""
    report = FileReport(path=str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.error = Problem(1, f"cannot read the file: {exc}")
        return report
    try:
        post = parse_post(text)
    except HexoParseError as exc:
        report.error = Problem(exc.line, exc.message)
        return report
    try:
        with transaction.atomic():
            hexo_post_import(post=post, topic=topic, report=report)
    except _ImportFailed as exc:
        report = FileReport(path=str(path), error=Problem(exc.line, exc.message))
        return report
    except Exception as exc:  # one bad post must not stop an archive of thousands
        logger.exception("Importing %s failed", path)
        report = FileReport(path=str(path), error=Problem(1, f"{type(exc).__name__}: {exc}"))
        return report
    if report.changed:
        public_site_refresh(
            paper_ids=DigestEntry.objects.filter(digest_id=report.digest_id).values_list("paper_id", flat=True)
        )
    if fetch_images:
        line_of = {url: item.line for item in post.papers for url in item.figure_urls}
        missing = Figure.objects.filter(
            paper__arxiv_id__in=[p.arxiv_id for p in post.papers], source_url__in=list(line_of), image=""
        ).order_by("paper_id", "order")
        for figure in missing:
            # After the commit: a slow or failing image server never holds the
            # database lock, and a missing image only costs the local copy.
            try:
                figure_fetch_image(figure=figure)
                report.updated["downloaded images"] += 1
            except (FigureFetchError, OSError) as exc:
                report.warnings.append(
                    Problem(line_of[figure.source_url], f"image {figure.source_url} not downloaded: {exc}")
                )
    return report


def hexo_posts_find(*, paths: list[Path]) -> list[Path]:
    """Return the Markdown files named or found under the given folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        else:
            found.append(path)
    return found


def hexo_import(*, paths: list[Path], topic: Topic | None = None, fetch_images: bool = False) -> list[FileReport]:
    """Import every post under ``paths``; one report per file."""
    return [
        hexo_file_import(path=path, topic=topic, fetch_images=fetch_images) for path in hexo_posts_find(paths=paths)
    ]


# --- images -----------------------------------------------------------------


class FigureFetchError(Exception):
    pass


def figure_fetch_image(*, figure: Figure) -> Figure:
    """Download a referenced figure's image into storage, with a thumbnail; keep the URL."""
    try:
        with requests.get(figure.source_url, stream=True, timeout=IMAGE_TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                raise FigureFetchError(f"HTTP {response.status_code}")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > IMAGE_MAX_BYTES:
                    raise FigureFetchError(f"larger than {IMAGE_MAX_BYTES} bytes")
    except requests.RequestException as exc:
        raise FigureFetchError(str(exc)) from exc
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            extension = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}.get(image.format or "", "")
            if not extension:
                raise FigureFetchError(f"unsupported image format {image.format}")
            thumb = image.convert("RGB")
            thumb.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            thumb.save(buffer, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError) as exc:
        raise FigureFetchError(f"not an image: {exc}") from exc
    stem = hashlib.sha256(figure.source_url.encode()).hexdigest()[:16]
    figure.image.save(f"imported-{stem}.{extension}", ContentFile(bytes(data)), save=False)
    figure.thumbnail.save(f"imported-{stem}-thumb.jpg", ContentFile(buffer.getvalue()), save=False)
    figure.save(update_fields=["image", "width", "height", "thumbnail", "thumb_width", "thumb_height"])
    return figure
