"""Download a published digest as a Hexo Markdown post."""

from django.http import Http404, HttpResponse

from digests.models import Digest
from digests.services.hexo_export import digest_export_markdown, hexo_filename


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
