"""Public pages: home, topic archive, digest, paper, search, robots.txt.

Views fetch through ``selectors``, answer conditional GETs from data-derived
validators before rendering, and are wrapped by ``http.public_page`` for the
page cache. A topic's pages speak its language: the topic and digest pages,
a paper page whose digests are all in one language, and each topic's card on
the home page. Pages of several topics (home, search, a paper in topics of
two languages) speak the site's language when every active topic has the
same one, else the reader's. Within a page every block says its own
language (``lang``): the paper's title and abstract the paper's, a summary
the one it is written in.
"""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from . import selectors, views_trust
from .http import conditional, is_staff_request, month_from_query, public_page, render_in_language, stamp, validators
from .presentation import description_shown, summary_banner
from .search import search_papers

DIGESTS_PER_PAGE = 30
RESULTS_PER_PAGE = 20
MAX_QUERY_LENGTH = 200


@public_page
def home(request: HttpRequest) -> HttpResponse:
    state = selectors.home_state(user=request.user)
    language = _shared_language(request)
    etag, last_modified = validators(
        "home", language, is_staff_request(request), state["count"], changed=[state["changed"]]
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    response = render_in_language(
        language, request, "digests/home.html", {"digests": selectors.home_digests(user=request.user)}
    )
    return stamp(response, etag=etag, last_modified=last_modified)


def _shared_language(request: HttpRequest) -> str:
    """The language of a page of several topics: the site's one language, else the reader's."""
    return selectors.site_language() or request.LANGUAGE_CODE


@public_page
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = selectors.active_topic(slug=slug)
    if topic is None:
        raise Http404("No such topic")
    month = month_from_query(request.GET.get("month", ""))
    state = selectors.topic_state(topic=topic, user=request.user)
    etag, last_modified = validators(
        "topic",
        topic.pk,
        topic.updated_at,
        is_staff_request(request),
        request.get_full_path(),
        state["count"],
        changed=[state["changed"], topic.updated_at],
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    page = Paginator(selectors.topic_digests(topic=topic, user=request.user, month=month), DIGESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "topic": topic,
        "page": page,
        "month": month,
        "months": selectors.topic_months(topic=topic, user=request.user),
        "canonical": request.build_absolute_uri(topic.get_absolute_url()),
    }
    response = render_in_language(topic.language, request, "digests/topic.html", context)
    return stamp(response, etag=etag, last_modified=last_modified)


@public_page
def digest_detail(request: HttpRequest, slug: str, date: datetime.date) -> HttpResponse:
    digest = selectors.digest_for_page(slug=slug, date=date, user=request.user)
    if digest is None:
        # Still a 404; a day arXiv announced nothing says so.
        return views_trust.day_without_digest(request, slug=slug, date=date)
    state = selectors.digest_state(digest=digest)
    neighbours = selectors.digest_neighbours(digest=digest)
    etag, last_modified = validators(
        "digest",
        digest.pk,
        digest.status,
        is_staff_request(request),
        state["count"],
        # A neighbouring day published or withdrawn changes the page's previous/next links.
        neighbours.previous,
        neighbours.next,
        changed=[digest.updated_at, digest.topic.updated_at, state["papers_changed"], state["summaries_changed"]],
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    entries = selectors.digest_entries(digest=digest)
    cover = digest.cover_figure if digest.cover_figure and not digest.cover_figure.hidden else None
    if cover is None:
        cover = next((f for e in entries for f in e.paper.figures.all() if f.image), None)
    with translation.override(digest.topic.language):
        description = description_shown(digest, entries)
        not_processed = selectors.digest_not_processed(digest=digest)
    context = {
        "not_processed": not_processed,
        "digest": digest,
        "topic": digest.topic,
        "entries": entries,
        "description": description,
        "banner": summary_banner(entries),
        "cover": cover,
        "is_draft": not digest.is_live,
        "canonical": request.build_absolute_uri(digest.get_absolute_url()),
        "base_url": "",
        "previous_day": neighbours.previous,
        "next_day": neighbours.next,
    }
    response = render_in_language(digest.topic.language, request, "digests/digest.html", context)
    return stamp(response, etag=etag, last_modified=last_modified)


def _paper_language(topic_languages: set[str], request: HttpRequest) -> str:
    """The language of a paper's pages: its topics' when they share one (so it speaks like its digests)."""
    return next(iter(topic_languages)) if len(topic_languages) == 1 else _shared_language(request)


@public_page
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    page = selectors.paper_for_page(arxiv_id=arxiv_id, user=request.user)
    if page is None:
        # The page shows "arXiv:<id>vN", so readers paste versioned ids; send them to the one canonical page.
        versioned = re.fullmatch(r"(.+)v(\d+)", arxiv_id)
        if versioned:
            page = selectors.paper_for_page(arxiv_id=versioned[1], user=request.user)
            version = int(versioned[2])
            if page and (version == page.paper.version or page.paper.versions.filter(version=version).exists()):
                return redirect(page.paper.get_absolute_url(), permanent=True)
        raise Http404("No such paper")
    language = _paper_language({digest.topic.language for digest in page.appearances}, request)
    etag, last_modified = validators(
        "paper",
        page.paper.pk,
        language,
        is_staff_request(request),
        [(d.pk, d.status) for d in page.appearances],
        changed=[
            page.paper.updated_at,
            *(s.updated_at for s in page.summaries),
            *(d.updated_at for d in page.appearances),
        ],
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    figures = list(page.paper.figures.all())
    # The summary the page's topics show comes first.
    shown = selectors.summary_in_language(page.summaries, language)
    summaries = sorted(page.summaries, key=lambda s: s is not shown)
    for summary in summaries:
        summary.banner_items = summary_banner([SimpleNamespace(summary=summary)])
    context = {
        "paper": page.paper,
        "summaries": summaries,
        "appearances": page.appearances,
        "figures": figures,
        "cover": next((f for f in figures if f.image), None),
        "canonical": request.build_absolute_uri(page.paper.get_absolute_url()),
        "related": selectors.related_papers_for(page.paper),
    }
    response = render_in_language(language, request, "digests/paper.html", context)
    return stamp(response, etag=etag, last_modified=last_modified)


@public_page
def figure_detail(request: HttpRequest, arxiv_id: str, number: int) -> HttpResponse:
    """One figure large, with its full caption, its paper and the figures either side."""
    page = selectors.figure_for_page(arxiv_id=arxiv_id, number=number, user=request.user)
    if page is None:
        raise Http404("No such figure")
    language = _paper_language(page.topic_languages, request)
    etag, last_modified = validators(
        "figure",
        page.figure.pk,
        page.number,
        page.count,
        # An editor's caption fix saves no paper and Figure keeps no update time: the text itself is the validator.
        page.figure.label,
        page.figure.caption,
        page.figure.image.name,
        language,
        is_staff_request(request),
        changed=[page.paper.updated_at, page.figure.created_at],
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    context = {
        "paper": page.paper,
        "figure": page.figure,
        "page": page,
        "canonical": request.build_absolute_uri(request.path),
    }
    response = render_in_language(language, request, "digests/figure.html", context)
    return stamp(response, etag=etag, last_modified=last_modified)


@public_page
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    papers, total = [], 0
    language = _shared_language(request)
    if query:
        results = search_papers(query=query, limit=RESULTS_PER_PAGE, offset=(number - 1) * RESULTS_PER_PAGE)
        total = results.total
        papers = selectors.papers_for_results(ids=results.paper_ids)
        for paper in papers:
            # The summary the digest a result links to shows.
            paper.summary = selectors.summary_in_language(paper.summaries.all(), paper.digest_language or language)
    pages = max(1, -(-total // RESULTS_PER_PAGE))
    context = {
        "query": query,
        "papers": papers,
        "total": total,
        "number": number,
        "start": (number - 1) * RESULTS_PER_PAGE + 1,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
    }
    return render_in_language(language, request, "digests/search.html", context)


@public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
