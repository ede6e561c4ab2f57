"""What several management commands read from their arguments, read one way."""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError

from papers.models import Topic


def day_option(value: str | None, option: str = "--date") -> datetime.date | None:
    """Return the date an option names (YYYY-MM-DD), None when not given."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} takes a date YYYY-MM-DD, not {value!r}") from exc


def topic_option(slug: str) -> Topic:
    try:
        return Topic.objects.get(slug=slug)
    except Topic.DoesNotExist as exc:
        raise CommandError(f"No topic with slug {slug!r}") from exc
