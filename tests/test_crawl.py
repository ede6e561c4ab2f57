"""Nothing a reader, an editor or an operator can reach answers with a 500.

Three days go through the real pipeline: the bundled sample day, a hostile
day (``tests.hard_day``: payloads in every metadata field, broken PDFs, a
paper without figures, a failed model answer, an edited summary with a
regenerated candidate, a hidden paper) and the LaTeX corpus as one day
(``tests.corpus_day``: the publisher layouts, summarized offline).
"""

import functools
import io
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import Resolver404, resolve

from digests.models import Digest
from papers.models import Figure, FigureKind, Paper, PaperStatus, RevisionState, SummaryRevision
from tests.corpus_day import CORPUS_SLUG, corpus_day_build
from tests.corpus_day import PAPERS as CORPUS_PAPERS
from tests.crawl import crawl, crawl_site
from tests.hard_day import HARD_DATE, HARD_SLUG, hard_day_build

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def day_media(tmp_path_factory):
    return tmp_path_factory.mktemp("crawl-media")


@pytest.fixture(autouse=True)
def _day_media(settings, day_media):
    """Every test reads the figures where the module's days wrote them (not its own empty MEDIA_ROOT)."""
    settings.MEDIA_ROOT = day_media


@pytest.fixture(scope="module")
def day(django_db_setup, django_db_blocker, day_media):
    """The three days through the real pipeline, built once for the module and flushed after."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=day_media):
        call_command("demo", stdout=io.StringIO())
        call_command("setup_roles", verbosity=0)
        hard_day_build()
        corpus_day_build()
        yield
        call_command("flush", interactive=False, verbosity=0)


def _public_starts():
    starts = ["/", "/sitemap.xml", "/robots.txt", "/feeds/rss.xml", "/feeds/atom.xml", "/search/?q=diffusion"]
    for digest in Digest.objects.select_related("topic"):
        slug = digest.topic.slug
        starts += [f"/feeds/{slug}/rss.xml", f"/feeds/{slug}/atom.xml", f"/topics/{slug}/{digest.date}.md"]
    return starts


def test_anonymous_crawl_finds_no_broken_page(day, client):
    failures = crawl(client, _public_starts())
    assert not failures, "\n".join(failures)


ADMIN_START = "/admin/"
# Views a crawl cannot or must not open: signing out, and what needs no object of the day.
NOT_CRAWLED = {"logout", "login", "autocomplete", "password_change_done", "jsi18n"}


@pytest.fixture(scope="module")
def superuser_crawl(day, django_db_blocker):
    """The whole admin as the demo's superuser sees it, crawled once for the module (GETs only)."""
    with django_db_blocker.unblock():
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        return crawl_site(client, [ADMIN_START], allow_scripts=True, prefix=ADMIN_START)


@pytest.fixture
def crawl_editor(day, django_user_model):
    editor = django_user_model.objects.create_user(username="crawl-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    return editor


@functools.cache
def _admin_url_names() -> dict[str, type | None]:
    """Every named admin view, with the model it belongs to (None for site-wide views)."""
    names: dict[str, type | None] = {}

    def walk(patterns, model):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, model)
            elif pattern.name:
                names[pattern.name] = model

    for model, model_admin in admin.site._registry.items():
        walk(model_admin.get_urls(), model)
    site_patterns = [p for p in admin.site.get_urls() if getattr(p, "name", None)]
    for pattern in site_patterns:
        names.setdefault(pattern.name, None)
    return names


def _resolved(url: str):
    try:
        return resolve(urlsplit(url).path)
    except Resolver404:
        return None


def test_superuser_admin_crawl_finds_no_broken_page(superuser_crawl):
    assert not superuser_crawl.failures, "\n".join(superuser_crawl.failures)


def _refused_to_superuser(name: str, model) -> bool:
    """Views the admin offers nobody: adding what only the pipeline creates, deleting the record."""
    request = RequestFactory().get(ADMIN_START)
    request.user = get_user_model().objects.get(username="admin")
    model_admin = admin.site.get_model_admin(model)
    if name.endswith("_add"):
        return not model_admin.has_add_permission(request)
    if name.endswith("_delete"):
        return not model_admin.has_delete_permission(request)
    return False


def test_superuser_crawl_reaches_every_admin_view(superuser_crawl):
    reached = {match.url_name for url in superuser_crawl.visited.values() if (match := _resolved(url))}
    reached |= {match.url_name for form in superuser_crawl.forms if (match := _resolved(form.action))}
    unreached = []
    for name, model in _admin_url_names().items():
        if name in reached or name in NOT_CRAWLED:
            continue
        if model is not None and _refused_to_superuser(name, model):
            continue
        if model is not None and not model._default_manager.exists() and not name.endswith(("_add", "_changelist")):
            continue  # an object view of a kind the day has none of (django-q's queue, axes' logs)
        unreached.append(name)
    assert not unreached, f"no link or button of the admin leads to: {sorted(unreached)}"


@pytest.mark.django_db
def test_every_admin_button_answers_without_a_server_error(superuser_crawl, client, django_user_model):
    """Press every POST button the crawl saw (inside the test's rolled-back transaction)."""
    client.force_login(django_user_model.objects.get(username="admin"))
    failures, pressed = [], set()
    for form in superuser_crawl.forms:
        match = _resolved(form.action)
        # Deleting would remove figure files the other tests read; the rest rolls back.
        if not match or match.url_name.endswith("_delete") or "password" in match.url_name:
            continue
        key = (match.url_name, tuple(sorted(form.data)))
        if key in pressed or match.url_name in NOT_CRAWLED:
            continue
        pressed.add(key)
        response = client.post(form.action, form.data)
        if response.status_code >= 500:
            failures.append(f"{form.action} (from {form.page}) → {response.status_code}")
    assert pressed, "the crawl found no buttons"
    assert not failures, "\n".join(failures)


def test_editor_admin_crawl_finds_no_dead_link(day, client, crawl_editor):
    """The admin shows an editor only what they may open: every link they meet works."""
    client.force_login(crawl_editor)
    failures = crawl(client, [ADMIN_START], allow_scripts=True, prefix=ADMIN_START)
    assert not failures, "\n".join(failures)


# What Django's ModelAdmin checks for each standard view (any one suffices).
ADMIN_VIEW_PERMISSIONS = {
    "changelist": ("view", "change"),
    "change": ("view", "change"),
    "history": ("view", "change"),
    "add": ("add",),
    "delete": ("delete",),
}


def _needed_permissions(match) -> list[str] | None:
    """The permissions (any of) Django's admin checks for a standard model view; None for custom views."""
    model = _admin_url_names().get(match.url_name)
    if model is None:
        return None
    action = match.url_name.removeprefix(f"{model._meta.app_label}_{model._meta.model_name}_")
    verbs = ADMIN_VIEW_PERMISSIONS.get(action)
    if verbs is None:
        return None
    return [f"{model._meta.app_label}.{verb}_{model._meta.model_name}" for verb in verbs]


def test_editor_is_refused_exactly_where_they_lack_permission(superuser_crawl, client, crawl_editor):
    client.force_login(crawl_editor)
    wrong = []
    for url, status in superuser_crawl.statuses.items():
        match = _resolved(url)
        if status != 200 or not match or match.url_name in NOT_CRAWLED:
            continue
        answer = client.get(url).status_code
        needed = _needed_permissions(match)
        if answer >= 500:
            wrong.append(f"{url} → {answer}")
        elif needed is not None:
            allowed = any(crawl_editor.has_perm(perm) for perm in needed)
            if allowed != (answer != 403):
                wrong.append(f"{url} → {answer}, but the editor {'has' if allowed else 'lacks'} {' or '.join(needed)}")
    assert not wrong, "\n".join(wrong)


def test_every_management_command_exits_cleanly(day, tmp_path):
    failures = []
    commands = [
        ("export_hexo", [str(tmp_path / "hexo")]),
        ("import_hexo", [str(tmp_path / "hexo")]),
        ("build_digest", ["diffusion-models", "--date", "2024-05-02"]),
        ("build_digest", [HARD_SLUG, "--date", HARD_DATE.isoformat()]),
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


def test_hard_day_is_as_hard_as_it_says(day):

    papers = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__startswith="2405.1000")}
    failed = {arxiv_id for arxiv_id, p in papers.items() if p.status == PaperStatus.FAILED}
    assert failed == {"2405.10003", "2405.10004", "2405.10005", "2405.10006"}
    assert list(papers["2405.10002"].figures.values_list("kind", flat=True)) == [FigureKind.COVER]
    assert SummaryRevision.objects.filter(summary__paper=papers["2405.10008"], state=RevisionState.CANDIDATE).exists()
    digest = Digest.objects.get(topic__slug=HARD_SLUG)
    assert digest.is_live and digest.entries.filter(hidden=True).count() == 1


def test_hard_day_page_says_which_papers_could_not_be_processed(day, client):
    page = client.get(Digest.objects.get(topic__slug=HARD_SLUG).get_absolute_url())
    text = page.content.decode()
    # Four papers failed (cut-off, encrypted and missing PDFs, a model that never answered).
    assert page.status_code == 200
    assert "4 篇论文未能处理" in text, text[text.find("not-processed") - 40 :][:400]
    assert "A diffusion paper an editor hides" not in text


def test_corpus_day_is_published_with_every_paper_summarized_and_its_floats_cut_out(day):
    digest = Digest.objects.get(topic__slug=CORPUS_SLUG)
    papers = [entry.paper for entry in digest.entries.select_related("paper")]
    assert digest.is_live and len(papers) == len(CORPUS_PAPERS)
    assert {p.status for p in papers} == {PaperStatus.SUMMARIZED}
    assert Figure.objects.filter(paper__in=papers).exclude(kind=FigureKind.COVER).count() >= 30
