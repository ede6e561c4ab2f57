import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test writes media to its own folder and never waits on real pacing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARXIV_API_DELAY_SECONDS = 0.0
    settings.ARXIV_PDF_DELAY_SECONDS = 0.0
    settings.ARXIV_RETRY_BACKOFF_SECONDS = 0.0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DIGEST_LLM = "extractive"
