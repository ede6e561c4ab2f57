"""Nothing a reader, an editor or an operator can reach on the sample day answers with a 500."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from digests.models import Digest
from tests.crawl import crawl

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sample_day(django_db_setup, django_db_blocker):
    """The real pipeline on the bundled sample day, built once for the module and flushed after."""
    with django_db_blocker.unblock():
        call_command("demo", stdout=io.StringIO())
        call_command("setup_roles", verbosity=0)
        yield
        call_command("flush", interactive=False, verbosity=0)


def _public_starts():
    starts = ["/", "/sitemap.xml", "/robots.txt", "/feeds/rss.xml", "/feeds/atom.xml", "/search/?q=diffusion"]
    for digest in Digest.objects.select_related("topic"):
        slug = digest.topic.slug
        starts += [f"/feeds/{slug}/rss.xml", f"/feeds/{slug}/atom.xml", f"/topics/{slug}/{digest.date}.md"]
    return starts


def test_anonymous_crawl_finds_no_broken_page(sample_day, client):
    failures = crawl(client, _public_starts())
    assert not failures, "\n".join(failures)


def _admin_crawl(client):
    starts = [reverse("admin:index")]
    return crawl(client, starts, allow_scripts=True, prefix="/admin/")


def test_superuser_admin_crawl_finds_no_broken_page(sample_day, client, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    failures = _admin_crawl(client)
    assert not failures, "\n".join(failures)


def test_editor_admin_crawl_finds_no_server_error(sample_day, client, django_user_model):
    editor = django_user_model.objects.create_user(username="crawl-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    # An editor may meet 403s where they lack a permission; only a 5xx or a crash is a failure.
    failures = [f for f in _admin_crawl(client) if " → 403" not in f]
    assert not failures, "\n".join(failures)


def test_every_management_command_exits_cleanly(sample_day, tmp_path):
    failures = []
    commands = [
        ("export_hexo", [str(tmp_path / "hexo")]),
        ("import_hexo", [str(tmp_path / "hexo")]),
        ("build_digest", ["diffusion-models", "--date", "2024-05-02"]),
        ("process_papers", ["--failed"]),
        ("setup_schedules", []),
    ]
    for name, args in commands:
        try:
            call_command(name, *args, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as exc:
            if not str(exc):
                failures.append(f"{name} {args} → CommandError without a message")
        except Exception as exc:
            failures.append(f"{name} {args} → {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)
