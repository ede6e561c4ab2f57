"""Email digests end to end against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from digests.services.publish import digest_publish
from subscriptions.models import Delivery, DeliveryState, Mailing, Subscriber
from subscriptions.services.sweep import subscriptions_sweep
from subscriptions.tokens import CONFIRM_SALT, confirm_token_make
from tests.factories import TopicFactory
from tests.subscriptions.conftest import (
    digest_ready,
    free_port,
    link_in,
    list_unsubscribe_urls,
    path_of,
    subscribe_confirmed,
)

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/subscribe/"


def post_subscribe(client, email_address, *topics, ip="10.0.0.1", **extra):
    data = {"email": email_address, "topics": [t.pk for t in topics], "website": "", **extra}
    return client.post(SUBSCRIBE, data, REMOTE_ADDR=ip)


def confirm_from_mail(client, smtp, email_address):
    link = link_in(smtp.to(email_address)[-1].text, "confirm")
    page = client.get(path_of(link))
    assert page.status_code == 200
    return client.post(path_of(link))


def later(hours: float = 3) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


class SignedAt(signing.TimestampSigner):
    """A signer whose clock says ``when``: a token made in the past."""

    def __init__(self, when: float, **kwargs):
        super().__init__(**kwargs)
        self.when = when

    def timestamp(self):
        return signing.b62_encode(int(self.when))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- subscribing -------------------------------------------------------------


def test_subscribing_mails_a_confirmation_link_and_follows_nothing_yet(client, smtp, topic):
    response = post_subscribe(client, "reader@example.org", topic)

    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    [mail] = smtp.to("reader@example.org")
    assert "/subscribe/confirm/" in mail.text
    assert not Subscriber.objects.filter(email="reader@example.org", confirmed_at__isnull=False).exists()


def test_following_the_confirmation_link_subscribes_the_address_to_its_topics(client, smtp, topic):
    post_subscribe(client, "reader@example.org", topic)

    response = confirm_from_mail(client, smtp, "reader@example.org")

    assert response.status_code == 302 and response["Location"].startswith("/subscribe/manage/")
    assert "You are subscribed." in client.get(response["Location"]).content.decode()
    subscriber = Subscriber.objects.get(email="reader@example.org")
    assert subscriber.is_confirmed
    assert list(subscriber.topics.all()) == [topic]


def test_opening_the_confirmation_link_alone_confirms_nothing(client, smtp, topic):
    # Mail scanners open links: only the page's button confirms.
    post_subscribe(client, "reader@example.org", topic)

    client.get(path_of(link_in(smtp.to("reader@example.org")[-1].text, "confirm")))

    assert not Subscriber.objects.filter(confirmed_at__isnull=False).exists()


def test_a_confirmation_link_older_than_the_max_age_is_rejected(client, settings, topic):
    settings.SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS = 1
    expired = SignedAt(time.time() - 7200, salt=CONFIRM_SALT).sign_object({"e": "a@example.org", "t": [topic.pk]})

    assert client.get(f"/subscribe/confirm/{expired}/").status_code == 400
    assert client.post(f"/subscribe/confirm/{expired}/").status_code == 400
    assert not Subscriber.objects.exists()


def test_a_confirmation_link_within_the_max_age_is_accepted(client, settings, topic):
    settings.SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS = 1
    recent = SignedAt(time.time() - 1800, salt=CONFIRM_SALT).sign_object({"e": "a@example.org", "t": [topic.pk]})

    assert client.post(f"/subscribe/confirm/{recent}/").status_code == 302
    assert Subscriber.objects.get().is_confirmed


def test_a_tampered_confirmation_link_is_rejected(client, topic):
    other = TopicFactory(slug="other")
    token = confirm_token_make(email="a@example.org", topic_ids=[topic.pk])
    value, rest = token.split(":", 1)
    forged_value = signing.b64_encode(signing.JSONSerializer().dumps({"e": "a@example.org", "t": [other.pk]}))
    forged = f"{forged_value.decode()}:{rest}"

    assert client.post(f"/subscribe/confirm/{forged}/").status_code == 400
    assert not Subscriber.objects.exists()


def test_an_existing_address_gets_exactly_the_answer_a_new_one_gets(client, smtp, topic):
    subscribe_confirmed("known@example.org", topic)

    known = post_subscribe(client, "known@example.org", topic)
    new = post_subscribe(client, "new@example.org", topic)

    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert client.get(known["Location"]).content == client.get(new["Location"]).content


def test_an_existing_confirmed_address_is_mailed_a_manage_link_instead_of_a_confirmation(client, smtp, topic):
    subscribe_confirmed("known@example.org", topic)

    post_subscribe(client, "known@example.org", topic)

    [mail] = smtp.to("known@example.org")
    assert "/subscribe/confirm/" not in mail.text
    assert "already subscribed" in mail.text
    assert client.get(path_of(link_in(mail.text, "manage"))).status_code == 200


def test_a_filled_honeypot_answers_as_usual_and_mails_nothing(client, smtp, topic):
    response = post_subscribe(client, "bot@example.org", topic, website="http://spam.example")

    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    assert smtp.received == []


def test_too_many_requests_from_one_ip_are_refused(client, smtp, settings, topic):
    settings.SUBSCRIPTIONS_RATE_PER_IP = 2
    for n in range(2):
        assert post_subscribe(client, f"r{n}@example.org", topic, ip="10.0.0.9").status_code == 302

    response = post_subscribe(client, "r3@example.org", topic, ip="10.0.0.9")

    assert response.status_code == 429
    assert smtp.to("r3@example.org") == []
    assert post_subscribe(client, "r4@example.org", topic, ip="10.0.0.10").status_code == 302


def test_too_many_requests_for_one_address_are_refused_whatever_the_ip(client, smtp, settings, topic):
    settings.SUBSCRIPTIONS_RATE_PER_ADDRESS = 1
    assert post_subscribe(client, "target@example.org", topic, ip="10.0.0.1").status_code == 302

    response = post_subscribe(client, "target@example.org", topic, ip="10.0.0.2")

    assert response.status_code == 429
    assert len(smtp.to("target@example.org")) == 1


def test_the_subscribe_page_is_a_plain_form_under_the_no_script_policy(client, topic):
    response = client.get(SUBSCRIBE + "?topic=diffusion")

    body = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'none'" in response["Content-Security-Policy"]
    assert "<script" not in body
    assert re.search(rf'<input type="checkbox" name="topics" value="{topic.pk}"[^>]* checked', body)


def test_the_manage_page_changes_topics_and_never_shows_the_address(client, topic):
    other = TopicFactory(name="Robots", slug="robots")
    subscriber = subscribe_confirmed("reader@example.org", topic)
    from subscriptions.links import manage_url

    url = path_of(manage_url(subscriber_id=subscriber.pk))
    page = client.get(url)
    saved = client.post(url, {"topics": [other.pk]})

    assert "reader@example.org" not in page.content.decode()
    assert saved.status_code == 200
    assert list(subscriber.topics.all()) == [other]


def test_a_forged_manage_link_is_rejected(client, topic):
    subscriber = subscribe_confirmed("reader@example.org", topic)

    assert client.get(f"/subscribe/manage/{subscriber.pk}:forged/").status_code == 400


# --- sending -------------------------------------------------------------------


def test_a_published_digest_is_mailed_to_each_confirmed_subscriber_as_text_and_html(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    subscribe_confirmed("b@example.org", topic)
    Subscriber.objects.create(email="unconfirmed@example.org").topics.add(topic)
    subscribe_confirmed("elsewhere@example.org", TopicFactory(slug="elsewhere"))
    digest_publish(digest=digest, user=admin_user)

    result = subscriptions_sweep()

    assert result.sent == 2
    assert sorted(r for m in smtp.received for r in m.rcpt) == ["a@example.org", "b@example.org"]
    mail = smtp.to("a@example.org")[0]
    paper = digest.entries.first().paper
    assert mail.message["Subject"] == "Diffusion daily · 2024-05-02"
    for part in (mail.text, mail.html):
        assert paper.title in part
        assert "Ada Lovelace, Alan Turing" in part
        assert "One line about paper 0." in part
        assert f"http://testserver/papers/{paper.arxiv_id}/" in part
        assert f"https://arxiv.org/abs/{paper.arxiv_id}v1" in part
    assert f'<img src="https://figures.example.org/{paper.arxiv_id}.png"' in mail.html


def test_a_stored_first_figure_is_linked_by_an_absolute_site_url(smtp, topic, admin_user, settings, tmp_path):
    from django.core.files.base import ContentFile

    digest = digest_ready(topic, papers=1)
    figure = digest.entries.first().paper.figures.first()
    figure.image.save("fig.png", ContentFile(_png()), save=True)
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    assert f'<img src="http://testserver/media/{figure.image.name}"' in smtp.to("a@example.org")[0].html


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


def test_every_digest_mail_carries_one_click_unsubscribe_headers(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    message = smtp.to("a@example.org")[0].message
    https, mailto = list_unsubscribe_urls(message)
    assert https.startswith("http://testserver/subscribe/unsubscribe/")
    assert mailto.startswith("mailto:digest@paperdigest.test?subject=unsubscribe")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Plain on the wire, as mail providers read it: no encoded words.
    assert b"<http://testserver/subscribe/unsubscribe/" in smtp.to("a@example.org")[0].raw


def test_posting_to_the_list_unsubscribe_url_unsubscribes_without_a_csrf_token(smtp, topic, digest, admin_user):
    subscriber = subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()
    https, _ = list_unsubscribe_urls(smtp.to("a@example.org")[0].message)

    response = Client(enforce_csrf_checks=True).post(
        path_of(https), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert not subscriber.is_confirmed
    assert list(subscriber.topics.all()) == []


def test_opening_the_unsubscribe_link_alone_unsubscribes_nobody(client, smtp, topic, digest, admin_user):
    subscriber = subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()

    client.get(path_of(link_in(smtp.to("a@example.org")[0].text, "unsubscribe")))

    assert Subscriber.objects.get(pk=subscriber.pk).is_confirmed


def test_the_whole_way_from_the_form_to_the_digest_and_out_again(client, smtp, topic, digest, admin_user):
    post_subscribe(client, "reader@example.org", topic)
    confirm_from_mail(client, smtp, "reader@example.org")
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()
    [mail] = [m for m in smtp.to("reader@example.org") if m.message["Subject"].startswith("Diffusion daily")]
    https, _ = list_unsubscribe_urls(mail.message)

    client.post(path_of(https), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    later_digest = digest_ready(topic, date=datetime.date(2024, 5, 3))
    digest_publish(digest=later_digest, user=admin_user)
    subscriptions_sweep()

    assert [m.message["Subject"] for m in smtp.to("reader@example.org")][-1] == "Diffusion daily · 2024-05-02"


def test_a_scheduled_digest_is_mailed_only_once_it_goes_live(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user, at=timezone.now() + datetime.timedelta(hours=1))

    before = subscriptions_sweep()
    type(digest).objects.filter(pk=digest.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    after = subscriptions_sweep()

    assert (before.sent, after.sent) == (0, 1)
    assert len(smtp.to("a@example.org")) == 1


def test_a_digest_is_mailed_once_however_often_the_sweep_runs(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()
    subscriptions_sweep()
    subscriptions_sweep(now=later())

    assert len(smtp.to("a@example.org")) == 1


def test_a_correction_republished_after_sending_is_not_mailed_again(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()

    digest.title = "Diffusion daily (corrected)"
    digest.save()
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()

    assert len(smtp.to("a@example.org")) == 1


def test_a_subscriber_confirmed_after_the_mailing_does_not_get_that_digest(smtp, topic, digest, admin_user):
    digest_publish(digest=digest, user=admin_user)
    subscriptions_sweep()

    subscribe_confirmed("late@example.org", topic)
    subscriptions_sweep()

    assert smtp.to("late@example.org") == []


def test_digests_live_for_longer_than_the_max_age_are_never_mailed(smtp, settings, topic, digest, admin_user):
    settings.SUBSCRIPTIONS_MAX_AGE_HOURS = 24
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user, at=timezone.now() - datetime.timedelta(days=3))

    result = subscriptions_sweep()

    assert result.mailings == 0 and smtp.received == []


def test_a_refused_recipient_is_recorded_failed_and_retried_later_without_mailing_the_others_twice(
    smtp, topic, digest, admin_user
):
    for name in ("a", "b", "c"):
        subscribe_confirmed(f"{name}@example.org", topic)
    smtp.refuse.add("b@example.org")
    digest_publish(digest=digest, user=admin_user)

    first = subscriptions_sweep()
    failed = Delivery.objects.get(subscriber__email="b@example.org")
    smtp.refuse.clear()
    too_soon = subscriptions_sweep()
    retried = subscriptions_sweep(now=later())

    assert (first.sent, first.failed) == (2, 1)
    assert failed.state == DeliveryState.FAILED and failed.attempts == 1
    assert "550" in failed.last_error and "b@example.org" not in failed.last_error
    assert too_soon.sent == 0
    assert retried.sent == 1
    assert sorted(r for m in smtp.received for r in m.rcpt) == ["a@example.org", "b@example.org", "c@example.org"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_recipient_refused_max_attempts_times_is_not_tried_again(smtp, settings, topic, digest, admin_user):
    settings.SUBSCRIPTIONS_MAX_ATTEMPTS = 2
    subscribe_confirmed("gone@example.org", topic)
    smtp.refuse.add("gone@example.org")
    digest_publish(digest=digest, user=admin_user)

    results = [subscriptions_sweep(now=later(hours)) for hours in (0, 24, 48)]

    assert [r.failed for r in results] == [1, 1, 0]
    assert Delivery.objects.get().attempts == 2


def test_a_mail_server_that_is_down_loses_nothing_and_the_next_sweep_sends_everything(
    smtp, settings, topic, digest, admin_user
):
    subscribe_confirmed("a@example.org", topic)
    subscribe_confirmed("b@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens: connection refused

    down = subscriptions_sweep()
    states = list(Delivery.objects.values_list("state", "attempts"))
    settings.EMAIL_PORT = working_port
    up = subscriptions_sweep()

    assert down.sent == 0 and "unavailable" in down.stopped
    assert states == [(DeliveryState.PENDING, 0), (DeliveryState.PENDING, 0)]
    assert up.sent == 2
    assert sorted(r for m in smtp.received for r in m.rcpt) == ["a@example.org", "b@example.org"]


def test_a_server_failing_mid_run_stops_it_and_the_next_sweep_sends_the_rest(smtp, topic, digest, admin_user):
    for name in ("a", "b", "c"):
        subscribe_confirmed(f"{name}@example.org", topic)
    smtp.shut_down_after = 1
    digest_publish(digest=digest, user=admin_user)

    first = subscriptions_sweep()
    states = dict(Delivery.objects.values_list("subscriber__email", "state"))
    smtp.shut_down_after = None
    second = subscriptions_sweep(now=later())

    assert (first.sent, first.failed) == (1, 1) and "421" in first.stopped
    assert states == {
        "a@example.org": DeliveryState.SENT,
        "b@example.org": DeliveryState.FAILED,
        "c@example.org": DeliveryState.PENDING,
    }
    assert second.sent == 2
    assert sorted(r for m in smtp.received for r in m.rcpt) == ["a@example.org", "b@example.org", "c@example.org"]


def claimed_delivery(digest, *, claimed_until) -> Delivery:
    """A delivery a worker claimed (and maybe died with), as the database holds it."""
    Mailing.objects.create(digest=digest)
    return Delivery.objects.create(
        digest=digest,
        subscriber=Subscriber.objects.get(),
        state=DeliveryState.SENDING,
        attempts=1,
        claimed_until=claimed_until,
    )


def test_a_delivery_claimed_by_a_live_worker_is_left_alone(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    claimed_delivery(digest, claimed_until=timezone.now() + datetime.timedelta(minutes=5))

    result = subscriptions_sweep()

    assert result.sent == 0 and smtp.received == []
    assert Delivery.objects.get().state == DeliveryState.SENDING


def test_a_delivery_whose_worker_died_is_sent_once_its_claim_expires(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    claimed_delivery(digest, claimed_until=timezone.now() - datetime.timedelta(seconds=1))

    result = subscriptions_sweep()

    assert result.sent == 1 and len(smtp.to("a@example.org")) == 1
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_a_digest_taken_back_before_its_mails_went_out_waits_until_it_is_live_again(
    smtp, settings, topic, digest, admin_user
):
    from digests.services.publish import digest_unpublish

    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    subscriptions_sweep()  # the mailing is made; the server is down, nothing is sent
    settings.EMAIL_PORT = working_port

    digest_unpublish(digest=digest)
    while_draft = subscriptions_sweep()
    digest_publish(digest=digest, user=admin_user)
    live_again = subscriptions_sweep()

    assert (while_draft.sent, live_again.sent) == (0, 1)
    assert len(smtp.to("a@example.org")) == 1


def test_a_pending_delivery_of_a_reader_who_unsubscribed_meanwhile_is_skipped(
    smtp, settings, topic, digest, admin_user
):
    from subscriptions.services.subscribe import subscriber_unsubscribe

    subscriber = subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    subscriptions_sweep()  # the mailing is made; the server is down, nothing is sent
    settings.EMAIL_PORT = working_port
    subscriber_unsubscribe(subscriber=subscriber)

    result = subscriptions_sweep()

    assert result.skipped == 1 and smtp.received == []


def test_sending_is_paced_at_the_configured_rate(smtp, settings, topic, digest, admin_user):
    settings.SUBSCRIPTIONS_SEND_PER_MINUTE = 30  # one every two seconds
    for n in range(4):
        subscribe_confirmed(f"r{n}@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    clock = FakeClock()

    result = subscriptions_sweep(clock=clock.monotonic, sleep=clock.sleep)

    assert result.sent == 4
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_a_sweep_stops_at_its_time_budget_and_the_next_one_goes_on(smtp, settings, topic, digest, admin_user):
    settings.SUBSCRIPTIONS_SEND_PER_MINUTE = 60
    for n in range(3):
        subscribe_confirmed(f"r{n}@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    clock = FakeClock()

    first = subscriptions_sweep(clock=clock.monotonic, sleep=clock.sleep, budget_seconds=1.5)
    second = subscriptions_sweep(clock=clock.monotonic, sleep=clock.sleep, budget_seconds=1.5)

    assert (first.sent, second.sent) == (2, 1)
    assert "budget" in first.stopped
    assert len(smtp.received) == 3


def test_a_chinese_topic_is_mailed_in_chinese(smtp, admin_user):
    topic = TopicFactory(name="扩散", slug="kuosan", language="zh-hans")
    digest = digest_ready(topic)
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)

    subscriptions_sweep()

    mail = smtp.to("a@example.org")[0]
    assert "退订" in mail.text and "更改主题" in mail.html


def test_the_pages_speak_the_readers_language(client, topic):
    response = client.get(SUBSCRIBE, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "通过邮件关注主题" in response.content.decode()
