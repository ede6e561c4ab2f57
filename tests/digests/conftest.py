import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with no cached pages (locmem outlives a rolled-back database)."""
    cache.clear()
    yield
    cache.clear()
