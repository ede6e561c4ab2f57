"""Reads for the public pages: every query set the views use is built here."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from papers.models import Figure, Paper, Summary, Topic

from .models import Digest, DigestEntry


def digests_visible_to(user) -> QuerySet[Digest]:
    """Published digests for everyone; staff also see drafts (to preview them)."""
    if user is not None and user.is_active and user.is_staff:
        return Digest.objects.all()
    return Digest.objects.published()


def latest_digests_per_topic(user=None) -> list[Digest]:
    digests = (
        digests_visible_to(user)
        .filter(topic__is_active=True)
        .select_related("topic", "cover_figure")
        .annotate(paper_count=Count("entries", filter=Q(entries__hidden=False)))
        .order_by("topic_id", "-date")
    )
    latest: dict[int, Digest] = {}
    for digest in digests:
        latest.setdefault(digest.topic_id, digest)
    return sorted(latest.values(), key=lambda d: d.date, reverse=True)


def topic_digests(topic: Topic, user=None) -> QuerySet[Digest]:
    return (
        digests_visible_to(user)
        .filter(topic=topic)
        .select_related("cover_figure")
        .annotate(paper_count=Count("entries", filter=Q(entries__hidden=False)))
        .order_by("-date")
    )


def digest_entries(digest: Digest) -> QuerySet[DigestEntry]:
    """Visible entries with everything a digest page shows, in a fixed number of queries."""
    return (
        digest.entries.filter(hidden=False)
        .select_related("paper", "paper__content")
        .prefetch_related(
            Prefetch("paper__figures", queryset=Figure.objects.filter(hidden=False).order_by("order", "id")),
            Prefetch(
                "paper__summaries",
                queryset=Summary.objects.filter(language=digest.topic.language),
                to_attr="topic_summaries",
            ),
        )
        .order_by("position", "id")
    )


def paper_with_everything(arxiv_id: str) -> Paper | None:
    return (
        Paper.objects.filter(arxiv_id=arxiv_id)
        .select_related("content")
        .prefetch_related(
            Prefetch("figures", queryset=Figure.objects.filter(hidden=False)),
            "summaries",
        )
        .first()
    )
