from django.http import Http404
from django.shortcuts import get_object_or_404, render

from papers.models import Topic

from . import selectors


def home(request):
    return render(request, "digests/home.html", {"digests": selectors.latest_digests_per_topic(request.user)})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug, is_active=True)
    return render(
        request,
        "digests/topic.html",
        {"topic": topic, "digests": selectors.topic_digests(topic, request.user)},
    )


def digest_detail(request, slug, date):
    digest = (
        selectors.digests_visible_to(request.user)
        .select_related("topic", "cover_figure")
        .filter(topic__slug=slug, date=date)
        .first()
    )
    if digest is None:
        raise Http404("No such digest")
    entries = list(selectors.digest_entries(digest))
    return render(request, "digests/digest.html", {"digest": digest, "entries": entries})


def paper_detail(request, arxiv_id):
    paper = selectors.paper_with_everything(arxiv_id)
    if paper is None:
        raise Http404("No such paper")
    return render(request, "digests/paper.html", {"paper": paper})
