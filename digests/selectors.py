"""Reads for the public pages and feeds: every query set they use is built here.

Visibility comes from ``Digest.objects.published()`` alone; staff additionally
see drafts so they can preview them. Each read runs a fixed number of queries
however many papers a digest holds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from papers.models import Figure, Paper, PaperStatus, Summary, Topic, TopicPaper

from .models import Digest, DigestEntry, DigestStatus, RelatedPaper


def digests_visible_to(user) -> QuerySet[Digest]:
    """Published digests for everyone; staff also see drafts (to preview them)."""
    if user is not None and user.is_active and user.is_staff:
        return Digest.objects.all()
    return Digest.objects.published()


def public_entries() -> QuerySet[DigestEntry]:
    """Entries the public may see: shown entries of published digests."""
    return DigestEntry.objects.shown().filter(digest__in=Digest.objects.published())


def next_scheduled_publish() -> datetime.datetime | None:
    """Return when the next scheduled digest goes live, if one is waiting."""
    return (
        Digest.objects.filter(status=DigestStatus.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def home_digests(*, user) -> list[Digest]:
    """Return the latest visible digest of every active topic, newest first."""
    visible = digests_visible_to(user)
    latest = visible.filter(topic=OuterRef("topic")).order_by("-date").values("pk")[:1]
    return list(
        visible.filter(topic__is_active=True, pk=Subquery(latest))
        .with_paper_count()
        .select_related("topic", "cover_figure")
        .order_by("-date", "topic__name")
    )


def home_state(*, user) -> dict:
    return (
        digests_visible_to(user).filter(topic__is_active=True).aggregate(count=Count("id"), changed=Max("updated_at"))
    )


def active_topic(*, slug: str) -> Topic | None:
    return Topic.objects.filter(slug=slug, is_active=True).first()


def site_language() -> str | None:
    """The one language every active topic speaks, or None when they speak several (or there is none).

    A site whose topics are all Chinese speaks Chinese on its home and search
    pages too, so a reader never crosses into another language between pages.
    """
    languages = list(Topic.objects.filter(is_active=True).values_list("language", flat=True).distinct()[:2])
    return languages[0] if len(languages) == 1 else None


def topic_digests(*, topic: Topic, user, month: datetime.date | None = None) -> QuerySet[Digest]:
    digests = digests_visible_to(user).filter(topic=topic)
    if month is not None:
        digests = digests.filter(date__year=month.year, date__month=month.month)
    return digests.with_paper_count().select_related("cover_figure").order_by("-date")


def topic_months(*, topic: Topic, user) -> list[datetime.date]:
    return list(digests_visible_to(user).filter(topic=topic).dates("date", "month", order="DESC"))


def topic_state(*, topic: Topic, user) -> dict:
    return digests_visible_to(user).filter(topic=topic).aggregate(count=Count("id"), changed=Max("updated_at"))


def digest_for_page(*, slug: str, date: datetime.date, user) -> Digest | None:
    return (
        digests_visible_to(user)
        .filter(topic__slug=slug, topic__is_active=True, date=date)
        .select_related("topic", "cover_figure")
        .first()
    )


@dataclass(frozen=True)
class DayNeighbours:
    """The topic's published digests just before and after a day (``None`` at either end)."""

    previous: datetime.date | None
    next: datetime.date | None


def digest_neighbours(*, digest: Digest) -> DayNeighbours:
    """Return the dates of the topic's previous and next published digests (one query).

    Published only, staff included: a draft in between is no day a reader can go to.
    """
    days = Digest.objects.published().filter(topic_id=digest.topic_id)
    previous = days.filter(date__lt=digest.date).order_by("-date").values("date")[:1]
    following = days.filter(date__gt=digest.date).order_by("date").values("date")[:1]
    row = Digest.objects.filter(pk=digest.pk).values_list(Subquery(previous), Subquery(following)).first()
    return DayNeighbours(*(row or (None, None)))


def digest_state(*, digest: Digest) -> dict:
    """Return what changes when anything on a digest page changes (one query)."""
    return digest.entries.shown().aggregate(
        count=Count("id", distinct=True),
        papers_changed=Max("paper__updated_at"),
        # Any of a paper's summaries may be the one shown (``summary_in_language`` falls back).
        summaries_changed=Max("paper__summaries__updated_at"),
    )


def summaries_prefetch(lookup: str = "paper__summaries", **kwargs) -> Prefetch:
    """A paper's summaries with who wrote them (their live revision), in language order."""
    return Prefetch(lookup, queryset=Summary.objects.select_related("live_revision").order_by("language"), **kwargs)


def summary_in_language(summaries, language: str) -> Summary | None:
    """The summary a topic in ``language`` shows, among a paper's (prefetched, language-ordered) summaries.

    The one written in ``language``, else the paper's first in another: the
    offline backend writes only the paper's own language, and an English
    summary labelled as such beats "no summary". The review queue
    (``ReviewQueueAdmin.queue_annotate``) and the pipeline dashboard
    (``papers.admin.papers.pipeline_counts``) apply the same rule in SQL.
    """
    summaries = list(summaries)
    same = next((summary for summary in summaries if summary.language == language), None)
    return same or min(summaries, key=lambda summary: summary.language, default=None)


def _entries_with_facts(entries: QuerySet[DigestEntry]) -> QuerySet[DigestEntry]:
    return (
        entries.shown()
        .select_related("paper", "paper__content")
        .prefetch_related(Prefetch("paper__figures", queryset=Figure.objects.shown()), summaries_prefetch())
        .order_by("position", "id")
    )


def _attach_summary(entries, *, language: str) -> None:
    for entry in entries:
        entry.summary = summary_in_language(entry.paper.summaries.all(), language)


def digest_entries(*, digest: Digest) -> list[DigestEntry]:
    """Return the shown entries, each with ``.summary`` in the topic's language."""
    entries = list(_entries_with_facts(digest.entries.all()))
    _attach_summary(entries, language=digest.topic.language)
    return entries


def feed_digests(*, topic: Topic | None, limit: int) -> list[Digest]:
    """Return the newest published digests with their entries, for a feed."""
    digests = Digest.objects.published().filter(topic__is_active=True)
    if topic is not None:
        digests = digests.filter(topic=topic)
    items = list(
        digests.select_related("topic", "cover_figure")
        .prefetch_related(
            Prefetch("entries", queryset=_entries_with_facts(DigestEntry.objects.all()), to_attr="shown_entries")
        )
        .order_by("-published_at", "-date")[:limit]
    )
    failed = digests_failed_steps(items)
    for digest in items:
        _attach_summary(digest.shown_entries, language=digest.topic.language)
        digest.failed_steps = failed.get(digest.pk, [])
    return items


@dataclass
class PaperPage:
    paper: Paper
    summaries: list[Summary]
    appearances: list[Digest]


def paper_for_page(*, arxiv_id: str, user) -> PaperPage | None:
    """Return a paper that appears in a visible digest, with its summaries."""
    paper = (
        Paper.objects.filter(arxiv_id=arxiv_id)
        .select_related("content")
        .prefetch_related(
            Prefetch("figures", queryset=Figure.objects.shown()),
            summaries_prefetch("summaries"),
        )
        .first()
    )
    if paper is None:
        return None
    shown_in = DigestEntry.objects.shown().filter(paper=paper, digest=OuterRef("pk"))
    appearances = list(digests_visible_to(user).filter(Exists(shown_in)).select_related("topic").order_by("-date"))
    if not appearances:
        return None
    return PaperPage(paper=paper, summaries=list(paper.summaries.all()), appearances=appearances)


def papers_for_results(*, ids: list[int]) -> list[Paper]:
    """Return papers in the order given, with summaries and a digest to link to."""
    shown = public_entries().filter(paper=OuterRef("pk")).order_by("-digest__date")
    papers = (
        Paper.objects.filter(pk__in=ids)
        .prefetch_related(summaries_prefetch("summaries"))
        .annotate(
            digest_slug=Subquery(shown.values("digest__topic__slug")[:1]),
            digest_date=Subquery(shown.values("digest__date")[:1]),
            digest_language=Subquery(shown.values("digest__topic__language")[:1]),
        )
        .in_bulk()
    )
    return [papers[i] for i in ids if i in papers]


@dataclass(frozen=True)
class FigurePage:
    """One figure of a public paper, with the figures before and after it (1-based numbers)."""

    paper: Paper
    figure: Figure
    number: int
    count: int
    previous: int | None
    next: int | None
    topic_languages: set[str] = field(default_factory=set)  # of the digests showing the paper


def figure_for_page(*, arxiv_id: str, number: int, user) -> FigurePage | None:
    """Return the ``number``-th shown figure with an image of a paper the paper page would show.

    Numbers count the figures a reader sees on the paper page, so hidden
    figures and figures without an image have no page.
    """
    shown_in = DigestEntry.objects.shown().filter(paper=OuterRef("pk"), digest__in=digests_visible_to(user))
    paper = (
        Paper.objects.filter(Exists(shown_in), arxiv_id=arxiv_id)
        .select_related("content")
        .prefetch_related(Prefetch("figures", queryset=Figure.objects.shown().exclude(image="")))
        .first()
    )
    if paper is None:
        return None
    figures = list(paper.figures.all())
    if not 1 <= number <= len(figures):
        return None
    languages = (
        DigestEntry.objects.shown()
        .filter(paper=paper, digest__in=digests_visible_to(user))
        .values_list("digest__topic__language", flat=True)
        .distinct()
    )
    return FigurePage(
        topic_languages=set(languages),
        paper=paper,
        figure=figures[number - 1],
        number=number,
        count=len(figures),
        previous=number - 1 if number > 1 else None,
        next=number + 1 if number < len(figures) else None,
    )


@dataclass(frozen=True)
class NotProcessed:
    """Papers of a digest's day that failed, counted per reader-facing reason."""

    count: int
    reasons: list[tuple[str, int]]


def digest_not_processed(*, digest: Digest) -> NotProcessed:
    """Return how many of the day's papers failed and why, so a digest never drops one silently."""
    return not_processed_from_steps(digests_failed_steps([digest]).get(digest.pk, []))


def digests_failed_steps(digests: list[Digest]) -> dict[int, list[str]]:
    """Return, per digest, the failed step of each of its day's papers it does not list (one query)."""
    if not digests:
        return {}
    days = Q()
    for digest in digests:
        days |= Q(topic_id=digest.topic_id, digest_date=digest.date)
    listed = DigestEntry.objects.filter(
        paper=OuterRef("paper"), digest__topic=OuterRef("topic"), digest__date=OuterRef("digest_date")
    )
    rows = (
        TopicPaper.objects.filter(days, paper__status=PaperStatus.FAILED)
        .exclude(Exists(listed))
        .values_list("topic_id", "digest_date", "paper__failed_step")
    )
    by_day = {(d.topic_id, d.date): d.pk for d in digests}
    steps: dict[int, list[str]] = {}
    for topic_id, date, step in rows:
        steps.setdefault(by_day[(topic_id, date)], []).append(step)
    return steps


def not_processed_from_steps(steps: list[str]) -> NotProcessed:
    """Count failed steps per reason, in the active language's words."""
    from django.utils.translation import gettext as _

    # Reasons in a reader's words; the editor's wording stays in ``last_error``.
    words = {
        "metadata": _("the arXiv record could not be read"),
        "download": _("the PDF could not be downloaded"),
        "parse": _("the PDF could not be read"),
        "summarize": _("the summary could not be written"),
    }
    counts: dict[str, int] = {}
    for step in steps:
        reason = words.get(step, _("processing failed"))
        counts[reason] = counts.get(reason, 0) + 1
    return NotProcessed(count=sum(counts.values()), reasons=sorted(counts.items()))


RELATED_SHOWN = 5


def related_papers_for(paper: Paper) -> list[Paper]:
    """Return up to five public papers nearest to ``paper``, nearest first (one query).

    The lists are precomputed (``services.related``); visibility is decided
    here, so a neighbour whose digests went back to draft is never shown.
    """
    rows = (
        RelatedPaper.objects.filter(paper=paper, related__in=public_entries().values("paper_id"))
        .select_related("related")
        .order_by("rank")[:RELATED_SHOWN]
    )
    return [row.related for row in rows]


def feed_paper_entries(*, topic: Topic, limit: int, papers: QuerySet[Paper] | None = None) -> list[DigestEntry]:
    """Return the newest shown entries of a topic's published digests, one per paper, for its paper feed.

    ``papers`` (a queryset) keeps only those papers: a filtered view's feed.
    Each has ``.summary`` in the topic's language and its digest (with the topic) loaded.
    """
    entries = DigestEntry.objects.filter(digest__in=Digest.objects.published(), digest__topic=topic)
    if papers is not None:
        entries = entries.filter(paper__in=papers.values("pk"))
    items = list(
        _entries_with_facts(entries)
        .select_related("digest", "digest__topic")
        .order_by("-digest__published_at", "-digest__date", "position", "id")[:limit]
    )
    _attach_summary(items, language=topic.language)
    return items
