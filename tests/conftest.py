import pytest

from tests.fake_llm import FakeLLM, language_responder


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test writes media to its own folder and never waits on real pacing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARXIV_API_DELAY_SECONDS = 0.0
    settings.ARXIV_PDF_DELAY_SECONDS = 0.0
    settings.ARXIV_RETRY_BACKOFF_SECONDS = 0.0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DIGEST_LLM = "extractive"
    # A local-memory cache outlives a test's settings: no test may be answered
    # with a page another test rendered.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _empty_task_queue(request):
    """A Redis broker outlives each test's database rollback: start every test with an empty queue."""
    from django.conf import settings

    if "redis" in settings.Q_CLUSTER:
        from tests.queue import queue_purge

        queue_purge()


@pytest.fixture(autouse=True)
def _login_rate_limit_off(settings):
    """django-axes needs the request on authenticate(); the test client's login() has none.

    Tests about lockout turn it back on with ``settings.AXES_ENABLED = True``.
    """
    settings.AXES_ENABLED = False


@pytest.fixture
def editor(db, django_user_model):
    """A staff user in the "Editor" group made by ``manage.py setup_roles``."""
    from django.core.management import call_command

    call_command("setup_roles", verbosity=0)
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="editor", password="correct horse battery staple", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def fake_llm(settings):
    """A running scripted OpenAI-compatible server with the openai backend pointed at it.

    No budget waits; the openai client's own pauses between retries (from 0.5 s, doubling) are real.
    """
    with FakeLLM(responder=language_responder) as server:
        settings.DIGEST_LLM = "openai"
        settings.DIGEST_LLM_MODEL = "fake-model"
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = "test-key"
        settings.LLM_TIMEOUT_SECONDS = 5.0
        settings.LLM_MAX_RETRIES = 3
        settings.LLM_REQUESTS_PER_MINUTE = 10_000
        yield server
