"""What an editor may do with subscribers, what was sent, and chat targets."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from subscriptions.models import NotificationTarget, Subscriber
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


@pytest.fixture
def subscriber():
    subscriber = Subscriber.objects.create(email=ADDRESS, confirmed_at=timezone.now())
    subscriber.topics.add(TopicFactory())
    return subscriber


def test_editors_get_exactly_the_subscription_permissions_they_need(editor):
    codenames = set(
        Group.objects.get(name="Editor")
        .permissions.filter(content_type__app_label="subscriptions")
        .values_list("codename", flat=True)
    )
    assert codenames == {
        "view_subscriber",
        "change_subscriber",
        "delete_subscriber",
        "view_mailing",
        "view_delivery",
        "view_push",
        "view_notificationtarget",
    }


def test_an_editor_finds_a_subscriber_by_the_exact_address_without_the_list_showing_it(editor_client, subscriber):
    url = reverse("admin:subscriptions_subscriber_changelist")
    found = editor_client.get(url, {"q": ADDRESS.upper()})
    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [subscriber]
    assert ADDRESS not in found.content.decode().replace(f'value="{ADDRESS.upper()}"', "").lower()
    assert list(editor_client.get(url, {"q": "reader"}).context["cl"].result_list) == []


def test_a_subscribers_page_does_not_show_the_address(editor_client, subscriber):
    page = editor_client.get(reverse("admin:subscriptions_subscriber_change", args=[subscriber.pk]))
    assert page.status_code == 200
    assert ADDRESS not in page.content.decode()


def test_an_editor_unsubscribes_a_subscriber_on_request(editor_client, subscriber):
    response = editor_client.post(
        reverse("admin:subscriptions_subscriber_changelist"),
        {"action": "unsubscribe", "_selected_action": [subscriber.pk]},
    )
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None and subscriber.confirmed_at is None
    assert not subscriber.topics.exists()


def test_an_editor_removes_a_subscriber_on_request(editor_client, subscriber):
    url = reverse("admin:subscriptions_subscriber_delete", args=[subscriber.pk])
    assert ADDRESS not in editor_client.get(url).content.decode()
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_nobody_adds_a_subscriber_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:subscriptions_subscriber_add")).status_code == 403


def test_an_editor_sees_chat_targets_and_mailings(editor_client):
    target = NotificationTarget.objects.create(topic=TopicFactory(), name="lab", url_reference="env:LAB_URL")
    assert editor_client.get(reverse("admin:subscriptions_notificationtarget_changelist")).status_code == 200
    assert (
        editor_client.get(reverse("admin:subscriptions_notificationtarget_change", args=[target.pk])).status_code == 200
    )
    assert editor_client.get(reverse("admin:subscriptions_mailing_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:subscriptions_push_changelist")).status_code == 200


def test_an_editor_cannot_add_change_or_delete_a_chat_target(editor_client):
    target = NotificationTarget.objects.create(topic=TopicFactory(), name="lab", url_reference="env:LAB_URL")
    assert editor_client.get(reverse("admin:subscriptions_notificationtarget_add")).status_code == 403
    change = reverse("admin:subscriptions_notificationtarget_change", args=[target.pk])
    edited = {"topic": target.topic_id, "name": "lab", "url_reference": "env:OTHER_URL", "is_active": "on"}
    assert editor_client.post(change, edited).status_code == 403
    assert (
        editor_client.get(reverse("admin:subscriptions_notificationtarget_delete", args=[target.pk])).status_code == 403
    )
    target.refresh_from_db()
    assert target.url_reference == "env:LAB_URL"
