"""Reads for "trust you can see": summary badges, corrections, and what each day's ingest covered.

Every count shown comes from a stored record (``IngestRun``, ``TopicPaper``,
``DigestEntry``, ``Paper.failed_step``); a count no record holds is
``None`` and reads "not recorded". Each read runs a fixed number of queries
however many papers a day holds.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from papers.models import (
    IngestRun,
    IngestRunStatus,
    PaperStatus,
    RevisionKind,
    Summary,
    SummaryRevision,
    Topic,
    TopicPaper,
)

from .models import Digest, DigestEntry
from .selectors import (
    NotProcessed,
    digest_not_processed,
    digests_failed_steps,
    not_processed_from_steps,
    public_entries,
)

# arXiv announces new submissions Monday to Friday; a digest day is named for its announcement.
NO_ANNOUNCEMENT_WEEKDAYS = (5, 6)


class BadgeState:
    CORRECTED = "corrected"
    CHECKED = "checked"
    OFFLINE = "offline"
    MACHINE = "machine"


@dataclass(frozen=True)
class Badge:
    state: str
    note: str = ""
    date: datetime.datetime | None = None


def summary_badge(summary: Summary | None) -> Badge | None:
    """What happened to a summary, for its badge: read from the summary and its live revision only.

    An editor's correction outranks a review (the corrected text is what the
    editor vouches for); a review outranks who wrote it.
    """
    if summary is None:
        return None
    if summary.is_edited:
        return Badge(BadgeState.CORRECTED, note=summary.public_note, date=summary.revision_at)
    if summary.reviewed_at is not None:
        return Badge(BadgeState.CHECKED, date=summary.reviewed_at)
    if summary.backend == "extractive":
        return Badge(BadgeState.OFFLINE)
    return Badge(BadgeState.MACHINE)


def topic_corrections(*, topic: Topic) -> QuerySet[SummaryRevision]:
    """Editors' corrections of the summaries a topic's published digests show, newest first.

    A digest shows the summary in its topic's language, else the paper's other
    one (``selectors.summary_in_language``); a correction of either counts.
    """
    shown = public_entries().filter(digest__topic=topic, paper=OuterRef("summary__paper"))
    has_own_language = Summary.objects.filter(paper=OuterRef("summary__paper"), language=topic.language)
    return (
        SummaryRevision.objects.filter(kind=RevisionKind.EDITED)
        .filter(Exists(shown))
        .filter(Q(summary__language=topic.language) | ~Exists(has_own_language))
        .annotate(digest_date=Subquery(shown.order_by("-digest__date").values("digest__date")[:1]))
        .select_related("summary__paper")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Coverage:
    """What one digest day's ingest found, and what became of each paper."""

    run: IngestRun | None
    returned: int | None
    outside: int | None
    earlier: int | None
    capped: bool
    new: int
    shown: int
    hidden: int
    pending: int
    not_processed: NotProcessed

    @property
    def first_day(self) -> datetime.date | None:
        return self.run.window_start.astimezone(datetime.timezone.utc).date() if self.run else None

    @property
    def last_day(self) -> datetime.date | None:
        # The window's end is exclusive: its last day is the one before.
        end = self.run.window_end.astimezone(datetime.timezone.utc) if self.run else None
        return (end - datetime.timedelta(days=1)).date() if end else None


def digest_coverage(*, digest: Digest, entries=None) -> Coverage:
    """Return the ledger of a digest's day (four queries).

    ``entries``, the shown entries the page already holds, spares a count.
    The arXiv side is the day's latest finished run: a re-run asks arXiv
    again and its answer replaces the earlier one.
    """
    run = (
        IngestRun.objects.filter(topic_id=digest.topic_id, digest_date=digest.date)
        .exclude(status__in=[IngestRunStatus.FAILED, IngestRunStatus.RUNNING])
        .order_by("-started_at", "-id")
        .first()
    )
    listed = DigestEntry.objects.filter(digest=digest, paper=OuterRef("paper"))
    day = TopicPaper.objects.filter(topic_id=digest.topic_id, digest_date=digest.date).aggregate(
        new=Count("id"),
        pending=Count("id", filter=~Exists(listed) & ~Q(paper__status=PaperStatus.FAILED)),
    )
    counts = digest.entries.aggregate(
        shown=Count("id", filter=Q(hidden=False)), hidden=Count("id", filter=Q(hidden=True))
    )
    return Coverage(
        run=run,
        returned=run.total_results if run else None,
        outside=run.skipped_count if run else None,
        earlier=run.earlier_count if run else None,
        capped=bool(run and run.total_results >= digest.topic.max_papers_per_day),
        new=day["new"],
        shown=len(entries) if entries is not None else counts["shown"],
        hidden=counts["hidden"],
        pending=day["pending"],
        not_processed=digest_not_processed(digest=digest),
    )


class DayState:
    SHOWN = "shown"
    NO_ANNOUNCEMENT = "no-announcement"
    NOT_PUBLISHED = "not-published"
    NOT_RECORDED = "not-recorded"
    FUTURE = "future"


@dataclass
class CalendarDay:
    date: datetime.date
    state: str
    digest: Digest | None = None
    shown: int = 0
    not_processed: int = 0
    weekend: bool = False


@dataclass
class CalendarMonth:
    month: datetime.date
    weeks: list[list[CalendarDay | None]] = field(default_factory=list)
    previous: datetime.date | None = None
    next: datetime.date | None = None


def _day_state(date: datetime.date, *, published: bool, asked: bool, papers: int, today: datetime.date) -> str:
    """What a day of a topic is for readers, from what is recorded about it.

    No announcement: a Saturday or Sunday (arXiv announces nothing then), or
    a day some run asked arXiv for and that got no paper at all (a holiday).
    """
    if published:
        return DayState.SHOWN
    if date.weekday() in NO_ANNOUNCEMENT_WEEKDAYS or (asked and not papers):
        return DayState.NO_ANNOUNCEMENT
    if date > today:
        return DayState.FUTURE
    if papers:
        return DayState.NOT_PUBLISHED
    return DayState.NOT_RECORDED


def topic_day_state(*, topic: Topic, date: datetime.date) -> str:
    """``_day_state`` of one day (three queries), for a digest address with no published digest."""
    return _day_state(
        date,
        published=Digest.objects.published().filter(topic=topic, date=date).exists(),
        asked=IngestRun.objects.filter(
            topic=topic, digest_date=date, status__in=[IngestRunStatus.OK, IngestRunStatus.EMPTY]
        ).exists(),
        papers=TopicPaper.objects.filter(topic=topic, digest_date=date).count(),
        today=timezone.now().date(),
    )


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def calendar_default_month(*, topic: Topic) -> datetime.date:
    """The month of the topic's latest published digest, else this month."""
    latest = Digest.objects.published().filter(topic=topic).order_by("-date").values_list("date", flat=True).first()
    return _month_start(latest or timezone.now().date())


def topic_calendar(*, topic: Topic, month: datetime.date) -> CalendarMonth:
    """Return a month of the topic's days, Monday first, each saying what readers got (four queries)."""
    first = _month_start(month)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    digests = {
        d.date: d for d in Digest.objects.published().filter(topic=topic, date__range=(first, last)).with_paper_count()
    }
    failed = digests_failed_steps(list(digests.values()))
    papers_by_day = dict(
        TopicPaper.objects.filter(topic=topic, digest_date__range=(first, last))
        .values_list("digest_date")
        .annotate(n=Count("id"))
    )
    # A day some run finished for, successfully: it asked arXiv and has an answer.
    asked = set(
        IngestRun.objects.filter(topic=topic, digest_date__range=(first, last))
        .filter(status__in=[IngestRunStatus.OK, IngestRunStatus.EMPTY])
        .values_list("digest_date", flat=True)
    )
    today = timezone.now().date()
    days = []
    for number in range(1, last.day + 1):
        date = first.replace(day=number)
        day = CalendarDay(
            date=date,
            state=_day_state(
                date,
                published=date in digests,
                asked=date in asked,
                papers=papers_by_day.get(date, 0),
                today=today,
            ),
            weekend=date.weekday() in NO_ANNOUNCEMENT_WEEKDAYS,
        )
        if day.state == DayState.SHOWN:
            day.digest = digests[date]
            day.shown = day.digest.paper_count
            day.not_processed = not_processed_from_steps(failed.get(day.digest.pk, [])).count
        days.append(day)
    lead = [None] * first.weekday()
    cells = lead + days
    cells += [None] * (-len(cells) % 7)
    previous = _month_start(first - datetime.timedelta(days=1))
    following = last + datetime.timedelta(days=1)
    return CalendarMonth(
        month=first,
        weeks=[cells[i : i + 7] for i in range(0, len(cells), 7)],
        previous=previous,
        next=following if following <= today else None,
    )
