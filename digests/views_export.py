"""Downloads of published digests: a Hexo Markdown post, and BibTeX of a digest's or a paper's papers."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse

from digests import selectors
from digests.http import conditional, is_staff_request, public_page, stamp, validators
from digests.models import Digest, DigestEntry
from digests.services.citation import papers_bibtex
from digests.services.hexo_export import digest_export_markdown, hexo_filename
from papers.models import Paper

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"


def digest_markdown(request, slug, date):
    digest = (
        Digest.objects.published()
        .select_related("topic", "cover_figure", "published_by")
        .filter(topic__slug=slug, date=date)
        .first()
    )
    if digest is None:
        raise Http404("No such digest")
    response = HttpResponse(digest_export_markdown(digest=digest), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{hexo_filename(digest=digest)}"'
    return response


def _bibtex_response(text: str, *, filename: str, etag: str, last_modified: datetime.datetime) -> HttpResponse:
    response = HttpResponse(text, content_type=BIBTEX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return stamp(response, etag=etag, last_modified=last_modified)


@public_page
def digest_bibtex(request: HttpRequest, slug: str, date: datetime.date) -> HttpResponse:
    """Every paper a digest shows, in its order, one record each."""
    digest = selectors.digest_for_page(slug=slug, date=date, user=request.user)
    if digest is None:
        raise Http404("No such digest")
    papers = [entry.paper for entry in digest.entries.shown().select_related("paper").order_by("position", "id")]
    etag, last_modified = validators(
        "digest-bib",
        digest.pk,
        digest.status,
        is_staff_request(request),
        [paper.pk for paper in papers],
        changed=[digest.updated_at, *(paper.updated_at for paper in papers)],
    )
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    return _bibtex_response(
        papers_bibtex(papers), filename=f"{slug}-{date.isoformat()}.bib", etag=etag, last_modified=last_modified
    )


@public_page
def paper_bibtex(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """A paper's record, for the same readers who may see its page: it shows in a visible digest."""
    shown = DigestEntry.objects.shown().filter(
        paper=OuterRef("pk"), digest__in=selectors.digests_visible_to(request.user)
    )
    paper = Paper.objects.filter(Exists(shown), arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404("No such paper")
    etag, last_modified = validators("paper-bib", paper.pk, is_staff_request(request), changed=[paper.updated_at])
    if (not_modified := conditional(request, etag=etag, last_modified=last_modified)) is not None:
        return not_modified
    filename = f"{paper.arxiv_id.replace('/', '_')}.bib"
    return _bibtex_response(papers_bibtex([paper]), filename=filename, etag=etag, last_modified=last_modified)
