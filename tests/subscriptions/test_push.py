"""Chat pushes through Apprise to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from digests.services.publish import digest_publish
from subscriptions.models import NotificationTarget, Push
from subscriptions.services.sweep import subscriptions_sweep
from tests.servers import FakeServer, Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with FakeServer() as server:
        server.route("/hook", Reply(200, b"{}", {"Content-Type": "application/json"}))
        server.route("/broken", Reply(500, b"boom"))
        yield server


def target(topic, monkeypatch, name: str, url: str) -> NotificationTarget:
    variable = f"PUSH_{name.upper()}_URL"
    monkeypatch.setenv(variable, url)
    return NotificationTarget.objects.create(topic=topic, name=name, url_reference=f"env:{variable}")


def json_url(server: FakeServer, path: str) -> str:
    return server.base_url.replace("http://", "json://") + path


def posted(server: FakeServer, path: str) -> list[dict]:
    return [json.loads(r.body) for r in server.requests_to(path) if r.method == "POST"]


def test_a_digest_going_live_pushes_its_title_link_and_one_liners(receiver, monkeypatch, topic, digest, admin_user):
    target(topic, monkeypatch, "team", json_url(receiver, "/hook"))
    digest_publish(digest=digest, user=admin_user)

    result = subscriptions_sweep()

    [body] = posted(receiver, "/hook")
    assert result.pushed == 1
    assert body["title"] == "Diffusion daily · 2024-05-02"
    assert "http://testserver/topics/diffusion/2024-05-02/" in body["message"]
    assert "One line about paper 0." in body["message"] and "One line about paper 1." in body["message"]
    assert Push.objects.get().ok is True


def test_only_the_top_papers_are_pushed(receiver, monkeypatch, settings, topic, digest, admin_user):
    settings.SUBSCRIPTIONS_PUSH_TOP_PAPERS = 1
    target(topic, monkeypatch, "team", json_url(receiver, "/hook"))
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    [body] = posted(receiver, "/hook")
    assert "One line about paper 0." in body["message"]
    assert "One line about paper 1." not in body["message"]


def test_a_failing_target_is_recorded_and_the_other_target_still_receives(
    receiver, monkeypatch, topic, digest, admin_user
):
    broken = target(topic, monkeypatch, "broken", json_url(receiver, "/broken"))
    working = target(topic, monkeypatch, "working", json_url(receiver, "/hook"))
    digest_publish(digest=digest, user=admin_user)

    result = subscriptions_sweep()

    assert (result.pushed, result.push_failed) == (1, 1)
    assert len(posted(receiver, "/broken")) == 1 and len(posted(receiver, "/hook")) == 1
    failed = Push.objects.get(target=broken)
    assert failed.ok is False and "500" in failed.error
    assert Push.objects.get(target=working).ok is True


def test_a_target_is_pushed_once_however_often_the_sweep_runs(receiver, monkeypatch, topic, digest, admin_user):
    target(topic, monkeypatch, "team", json_url(receiver, "/hook"))
    target(topic, monkeypatch, "broken", json_url(receiver, "/broken"))
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()
    subscriptions_sweep()

    assert len(posted(receiver, "/hook")) == 1 and len(posted(receiver, "/broken")) == 1
    assert Push.objects.count() == 2


def test_a_target_whose_variable_is_unset_is_recorded_as_failed(receiver, monkeypatch, topic, digest, admin_user):
    NotificationTarget.objects.create(topic=topic, name="missing", url_reference="env:PUSH_NOT_SET_ANYWHERE")
    target(topic, monkeypatch, "team", json_url(receiver, "/hook"))
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    missing = Push.objects.get(target__name="missing")
    assert missing.ok is False and "PUSH_NOT_SET_ANYWHERE is not set" in missing.error
    assert len(posted(receiver, "/hook")) == 1


def test_a_recorded_error_never_holds_the_secret_url(receiver, monkeypatch, topic, digest, admin_user):
    url = json_url(receiver, "/broken") + "?token=s3cr3t"
    target(topic, monkeypatch, "broken", url)
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    assert "s3cr3t" not in Push.objects.get().error


def test_an_inactive_target_is_not_pushed(receiver, monkeypatch, topic, digest, admin_user):
    quiet = target(topic, monkeypatch, "team", json_url(receiver, "/hook"))
    quiet.is_active = False
    quiet.save()
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    assert posted(receiver, "/hook") == [] and not Push.objects.exists()


@pytest.mark.parametrize("value", ["json://127.0.0.1/hook", "slack://T000/B000/XXXX", "env:", "env:BAD-NAME"])
def test_a_target_stores_only_an_environment_reference(topic, value):
    with pytest.raises(ValidationError):
        NotificationTarget(topic=topic, name="x", url_reference=value).full_clean()


def test_editing_targets_needs_the_permission(client, django_user_model, topic):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(user)
    url = "/admin/subscriptions/notificationtarget/add/"
    refused = client.get(url).status_code
    user.user_permissions.add(Permission.objects.get(codename="add_notificationtarget"))
    allowed = client.get(url).status_code

    assert (refused, allowed) == (403, 200)


def test_the_mailing_admin_counts_deliveries_without_showing_addresses(admin_client, smtp, topic, digest, admin_user):
    from subscriptions.models import Mailing
    from tests.subscriptions.conftest import subscribe_confirmed

    subscribe_confirmed("a@example.org", topic)
    subscribe_confirmed("refused@example.org", topic)
    smtp.refuse.add("refused@example.org")
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()

    listing = admin_client.get("/admin/subscriptions/mailing/").content.decode()
    detail = admin_client.get(f"/admin/subscriptions/mailing/{Mailing.objects.get().pk}/change/").content.decode()

    assert '<td class="field-sent">1</td>' in listing and '<td class="field-failed">1</td>' in listing
    assert "550" in detail
    assert "@example.org" not in listing + detail
