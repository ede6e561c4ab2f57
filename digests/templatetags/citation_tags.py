"""Template helpers for the citation meta tags and feed autodiscovery links."""

from django import template

register = template.Library()


@register.filter
def any_live(digests) -> bool:
    """Whether any of these digests is live: a paper only staff can see gets no citation tags."""
    return any(digest.is_live for digest in digests)


@register.filter
def topics_of(digests) -> list:
    """The distinct topics of these digests, in their order."""
    seen = {}
    for digest in digests:
        seen.setdefault(digest.topic.pk, digest.topic)
    return list(seen.values())
