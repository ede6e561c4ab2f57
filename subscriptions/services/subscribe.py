"""Subscribing with only an address: double opt-in, changing topics, unsubscribing.

A request for an address answers the same whatever we know about it, so the
form tells nobody which addresses are subscribed; the difference is only in
the mail the address itself receives.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from papers.models import Topic

from ..links import confirm_url, manage_url, unsubscribe_headers
from ..models import Subscriber
from ..tokens import confirm_token_read

logger = logging.getLogger("paperdigest.subscriptions")


def email_normalize(email: str) -> str:
    return email.strip().lower()


def rate_limit_hit(*, ip: str, email: str) -> bool:
    """Count one request against the IP and the address; True when either is over its limit."""
    window = settings.SUBSCRIPTIONS_RATE_WINDOW_SECONDS
    # Hashed: the cache must not hold addresses either.
    address = hashlib.sha256(email_normalize(email).encode()).hexdigest()
    over = False
    for key, limit in (
        (f"paperdigest:subscribe:ip:{ip}", settings.SUBSCRIPTIONS_RATE_PER_IP),
        (f"paperdigest:subscribe:addr:{address}", settings.SUBSCRIPTIONS_RATE_PER_ADDRESS),
    ):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        over = over or count > limit
    return over


def subscription_request(*, email: str, topics: list[Topic]) -> None:
    """Mail the address a confirmation link, or, when it is already confirmed, a link to manage its topics."""
    email = email_normalize(email)
    subscriber = Subscriber.objects.filter(email=email, confirmed_at__isnull=False).first()
    topic_names = [topic.name for topic in topics]
    if subscriber is not None:
        context = {"topics": topic_names, "manage_url": manage_url(subscriber_id=subscriber.pk)}
        template = "subscriptions/email/already"
        headers = unsubscribe_headers(subscriber_id=subscriber.pk)
    else:
        context = {
            "topics": topic_names,
            "confirm_url": confirm_url(email=email, topic_ids=[t.pk for t in topics]),
            "max_age_hours": int(settings.SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS),
        }
        template = "subscriptions/email/confirm"
        headers = {}
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(subject, render_to_string(f"{template}.txt", context), to=[email], headers=headers)
    try:
        message.send()
    except Exception:
        # The answer must not differ for addresses we know, nor show a failing server: log, answer as usual.
        logger.exception("Could not send a subscription mail")


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscriber | None:
    """Confirm the address of a valid link and add the topics it asked for; None for a bad or expired link."""
    request = confirm_token_read(token)
    if request is None:
        return None
    subscriber, _ = Subscriber.objects.get_or_create(email=email_normalize(request.email))
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    subscriber.topics.add(*Topic.objects.filter(pk__in=request.topic_ids, is_active=True))
    return subscriber


@transaction.atomic
def subscriber_set_topics(*, subscriber: Subscriber, topics: list[Topic]) -> None:
    """Follow exactly ``topics``. The signed link proves the address, so it also re-subscribes after an unsubscribe."""
    subscriber.topics.set(topics)
    if topics and subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    """Stop every mail: no topics, and a new subscription must be confirmed again."""
    subscriber.topics.clear()
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at=None, unsubscribed_at=timezone.now())
