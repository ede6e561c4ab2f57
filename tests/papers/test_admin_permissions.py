"""Who can reach what: editors do the daily work; users, groups, topics and schedules are not theirs."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import TopicFactory
from tests.papers.admin_data import flagged_day

pytestmark = pytest.mark.django_db


def _editor_urls(day) -> list[str]:
    summary, figure, digest = day.flagged, day.figures[0], day.digest
    revision = summary.revisions.create(kind="generated", content=summary.sections())
    return [
        reverse("admin:papers_summary_changelist"),
        reverse("admin:papers_summary_change", args=[summary.pk]),
        reverse("admin:papers_summary_review", args=[summary.pk]),
        reverse("admin:papers_summary_affiliation", args=[summary.pk]),
        reverse("admin:papers_summary_revisions", args=[summary.pk]),
        reverse("admin:papers_summary_revision_apply", args=[summary.pk, revision.pk]),
        reverse("admin:papers_summary_revision_dismiss", args=[summary.pk, revision.pk]),
        reverse("admin:papers_dashboard"),
        reverse("admin:papers_failure_retry", args=["abc"]),
        reverse("admin:papers_paper_run", args=[day.papers[0].pk, "reprocess"]),
        reverse("admin:papers_paper_changelist"),
        reverse("admin:papers_paper_change", args=[day.papers[0].pk]),
        reverse("admin:papers_figure_hidden", args=[figure.pk]),
        reverse("admin:papers_figure_move", args=[figure.pk, "up"]),
        reverse("admin:digests_digest_cover", args=[figure.pk]),
        reverse("admin:digests_digest_changelist"),
        reverse("admin:digests_digest_change", args=[digest.pk]),
        reverse("admin:digests_digest_publish", args=[digest.pk]),
        reverse("admin:digests_digest_unpublish", args=[digest.pk]),
        reverse("admin:digests_digest_preview", args=[digest.pk]),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login_from_every_editor_url(client, method):
    day = flagged_day()
    for url in _editor_urls(day):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_setup_roles_gives_editors_no_user_group_topic_or_schedule_permission(editor):
    codenames = set(Group.objects.get(name="Editor").permissions.values_list("content_type__app_label", "codename"))
    assert ("digests", "publish_digest") in codenames
    assert ("papers", "change_summary") in codenames
    forbidden_apps = {"auth", "django_q", "axes"}
    assert not {c for c in codenames if c[0] in forbidden_apps}
    assert not {c for c in codenames if "topic" in c[1]}
    # Records are never deleted; a subscriber may be, on their request.
    assert {c for c in codenames if c[1].startswith("delete_")} == {("subscriptions", "delete_subscriber")}


def test_setup_roles_is_idempotent(editor):
    from django.core.management import call_command

    before = Group.objects.get(name="Editor").permissions.count()
    call_command("setup_roles", verbosity=0)
    assert Group.objects.get(name="Editor").permissions.count() == before


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:auth_user_changelist",
        "admin:auth_user_add",
        "admin:auth_group_changelist",
        "admin:papers_topic_changelist",
        "admin:papers_topic_add",
        "admin:django_q_schedule_changelist",
        "admin:django_q_schedule_add",
    ],
)
def test_editor_cannot_reach_users_groups_topics_or_schedules(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_editor_cannot_change_a_topic(editor_client):
    topic = TopicFactory()
    assert editor_client.get(reverse("admin:papers_topic_change", args=[topic.pk])).status_code == 403


def test_editor_admin_index_lists_only_the_desk(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "Review queue" in page and "Pipeline dashboard" in page
    assert "/admin/auth/user/" not in page and "/admin/papers/topic/" not in page
    assert "/admin/django_q/schedule/" not in page


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:papers_summary_changelist",
        "admin:papers_dashboard",
        "admin:digests_digest_changelist",
        "admin:papers_paper_changelist",
    ],
)
def test_editor_opens_each_daily_page(editor_client, url_name):
    flagged_day()
    assert editor_client.get(reverse(url_name)).status_code == 200


def test_editor_opens_summary_editor_and_digest(editor_client):
    day = flagged_day()
    assert editor_client.get(reverse("admin:papers_summary_change", args=[day.flagged.pk])).status_code == 200
    assert editor_client.get(reverse("admin:digests_digest_change", args=[day.digest.pk])).status_code == 200
    assert editor_client.get(reverse("admin:digests_digest_publish", args=[day.digest.pk])).status_code == 200


def test_staff_without_the_group_cannot_edit_or_publish(client, django_user_model):
    day = flagged_day()
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:papers_summary_change", args=[day.flagged.pk])).status_code in (302, 403)
    assert client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk])).status_code in (302, 403)
    assert client.post(reverse("admin:papers_summary_review", args=[day.flagged.pk])).status_code in (302, 403)
    day.flagged.refresh_from_db()
    assert day.flagged.reviewed_at is None


def test_failed_logins_are_locked_out(client, settings, django_user_model):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    django_user_model.objects.create_user(username="ed", password="right-password-123", is_staff=True)
    login = reverse("admin:login")
    for _ in range(3):
        client.post(login, {"username": "ed", "password": "wrong"})
    locked = client.post(login, {"username": "ed", "password": "right-password-123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_works_under_the_limit(client, settings, django_user_model):
    settings.AXES_ENABLED = True
    django_user_model.objects.create_user(username="ed", password="right-password-123", is_staff=True)
    client.post(reverse("admin:login"), {"username": "ed", "password": "wrong"})
    response = client.post(reverse("admin:login"), {"username": "ed", "password": "right-password-123"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_admin_pages_send_the_security_headers(editor_client):
    response = editor_client.get(reverse("admin:papers_summary_changelist"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"]
