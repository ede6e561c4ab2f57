"""One version for everything public that is cached: bump it and all of it is stale.

Publishing, editing a summary and hiding a figure or entry end in
``public_cache_invalidate()`` (through ``public.public_site_refresh``); page
cache keys carry the version, and
Last-Modified never goes below the moment of the last bump, so a conditional
GET after any change gets the new page rather than a 304.
"""

from __future__ import annotations

import datetime
import time

from django.core.cache import cache

VERSION_KEY = "paperdigest:public-version"


def _new_version() -> str:
    return f"{time.time_ns():x}"


def public_cache_version() -> str:
    """Return the current version token, starting one if the cache has none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() so two processes starting at once agree on one token.
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY) or _new_version()
    return version


def public_cache_invalidate() -> None:
    """Make every cached public page and feed stale at once."""
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def public_cache_changed_at() -> datetime.datetime:
    """Return when the public cache was last invalidated (or first used)."""
    nanoseconds = int(public_cache_version(), 16)
    changed = datetime.datetime.fromtimestamp(nanoseconds / 1e9, tz=datetime.timezone.utc)
    return ceil_second(changed)


def ceil_second(moment: datetime.datetime) -> datetime.datetime:
    """Round up to a whole second: HTTP dates drop fractions, and rounding down
    would let a change later in the same second answer 304."""
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + datetime.timedelta(seconds=1)
    return moment
