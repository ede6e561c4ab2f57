"""A topic's papers filtered by keyword, author and affiliation (``topic_filters``): a bookmarkable GET page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from . import selectors
from .http import public_page
from .topic_filters import PaperFilters, topic_papers_filtered

PAPERS_PER_PAGE = 20


@public_page
def topic_papers(request: HttpRequest, slug: str) -> HttpResponse:
    topic = selectors.active_topic(slug=slug)
    if topic is None:
        raise Http404("No such topic")
    filters = PaperFilters.from_query(request.GET)
    page = Paginator(topic_papers_filtered(topic, filters), PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    for paper in page:
        paper.summary = selectors.summary_in_language(paper.summaries.all(), topic.language)
    context = {
        "topic": topic,
        "filters": filters,
        "filter_query": filters.querystring(),
        "page": page,
        "canonical": request.build_absolute_uri(request.path),
    }
    # The page speaks the topic's language, as its other pages do.
    with translation.override(topic.language):
        response = render(request, "digests/topic_papers.html", context)
    response["Content-Language"] = topic.language
    return response
