"""Template tags for summary badges and the coverage ledger, so the digest view needs no change for them."""

from django import template

from digests import selectors_trust

register = template.Library()


@register.filter
def summary_badge(summary):
    return selectors_trust.summary_badge(summary)


@register.simple_tag
def digest_coverage(digest, entries=None):
    """The ledger of ``digest``'s day; ``entries`` (the shown entries the page has) spares a query."""
    return selectors_trust.digest_coverage(digest=digest, entries=entries)
