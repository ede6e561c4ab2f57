"""Public pages of "trust you can see": a topic's corrections and its coverage calendar."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse

from . import selectors, selectors_trust
from .http import month_from_query, public_page, render_in_language

CORRECTIONS_PER_PAGE = 100


def _topic(slug: str):
    topic = selectors.active_topic(slug=slug)
    if topic is None:
        raise Http404("No such topic")
    return topic


@public_page
def topic_corrections(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    page = Paginator(selectors_trust.topic_corrections(topic=topic), CORRECTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"topic": topic, "page": page, "canonical": request.build_absolute_uri(request.path)}
    return render_in_language(topic.language, request, "digests/corrections.html", context)


@public_page
def topic_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    month = month_from_query(request.GET.get("month", "")) or selectors_trust.calendar_default_month(topic=topic)
    context = {
        "topic": topic,
        "calendar": selectors_trust.topic_calendar(topic=topic, month=month),
        "canonical": request.build_absolute_uri(request.path),
    }
    return render_in_language(topic.language, request, "digests/calendar.html", context)


def day_without_digest(request: HttpRequest, *, slug: str, date: datetime.date) -> HttpResponse:
    """The answer at a digest address with no digest: still a 404, but a day arXiv
    announced nothing says so (and links to the calendar) instead of "not found"."""
    topic = selectors.active_topic(slug=slug)
    if (
        topic is None
        or selectors_trust.topic_day_state(topic=topic, date=date) != selectors_trust.DayState.NO_ANNOUNCEMENT
    ):
        raise Http404("No such digest")
    context = {"topic": topic, "date": date, "weekend": date.weekday() in selectors_trust.NO_ANNOUNCEMENT_WEEKDAYS}
    response = render_in_language(topic.language, request, "digests/no_announcement.html", context)
    response.status_code = 404
    return response
