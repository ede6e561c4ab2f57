"""Sending digests that went live: one sweep finds them, mails subscribers and pushes to chats.

The sweep does not care how a digest went live (published now, scheduled, or
a previous run that died): a digest that is live, recent and has no
``Mailing`` yet gets one, which creates its ``Delivery`` and ``Push`` rows in
one transaction; afterwards only those rows are worked on. A digest corrected
after its mailing is therefore never mailed again.

Every delivery is claimed by one UPDATE before its mail is sent and marked
sent right after, so a retried task, a second worker or a sweep after a
killed worker never mails anyone twice. The one window left is a worker dying
between the server accepting a mail and the row being marked: that row is
sent again once its claim expires (at least once beats lost).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import apprise
from anymail.exceptions import AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from digests.models import Digest

from ..links import manage_url, unsubscribe_headers, unsubscribe_url
from ..models import Delivery, DeliveryState, Mailing, NotificationTarget, Push
from .content import DigestContent, digest_content, push_text

logger = logging.getLogger("paperdigest.subscriptions")

# Longer than any one SMTP conversation: an expired claim means its worker died.
CLAIM_SECONDS = 600
ERROR_CHARS = 1000
# The recipient is refused, the server is fine: go on with the others.
RECIPIENT_ERRORS = (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused)


@dataclass
class Pacer:
    """At most ``per_minute`` sends a minute, with an injectable clock so tests never sleep."""

    per_minute: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = None

    def ready_at(self) -> float:
        """When the next send may start."""
        if self._last is None or self.per_minute <= 0:
            return self.clock()
        return max(self.clock(), self._last + 60.0 / self.per_minute)

    def wait(self) -> None:
        pause = self.ready_at() - self.clock()
        if pause > 0:
            self.sleep(pause)
        self._last = self.clock()


@dataclass
class SweepResult:
    mailings: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    pushed: int = 0
    push_failed: int = 0
    stopped: str = ""  # why sending stopped before every due mail was tried
    digests: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def digests_newly_live(*, now: datetime.datetime):
    oldest = now - datetime.timedelta(hours=settings.SUBSCRIPTIONS_MAX_AGE_HOURS)
    return (
        Digest.objects.published()
        .filter(published_at__gte=oldest, mailing__isnull=True, topic__is_active=True)
        .select_related("topic")
        .order_by("published_at", "id")
    )


@transaction.atomic
def digest_mailing_create(*, digest: Digest) -> list[Push] | None:
    """Create the digest's mailing with one delivery per confirmed subscriber and one push per target.

    Returns the pushes to make, or None when another run made the mailing first.
    """
    mailing, created = Mailing.objects.get_or_create(digest=digest)
    if not created:
        return None
    subscribers = digest.topic.subscribers.filter(confirmed_at__isnull=False).values_list("pk", flat=True)
    Delivery.objects.bulk_create(
        [Delivery(digest=digest, subscriber_id=pk) for pk in subscribers], ignore_conflicts=True
    )
    targets = NotificationTarget.objects.filter(topic=digest.topic, is_active=True)
    Push.objects.bulk_create([Push(digest=digest, target=t) for t in targets], ignore_conflicts=True)
    return list(Push.objects.filter(digest=digest, ok__isnull=True).select_related("target"))


def push_send(*, push: Push, content: DigestContent) -> bool:
    """Push one digest to one chat target and record the outcome; never raises for the target's fault."""
    target = push.target
    url = target.resolve_url()
    error = ""
    if not url:
        error = f"environment variable {target.env_name} is not set"
    else:
        notifier = apprise.Apprise()
        if not notifier.add(url):
            error = f"{target.url_reference} is not a valid Apprise URL"
        else:
            with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
                try:
                    ok = notifier.notify(
                        title=content.subject,
                        body=push_text(content=content, top=settings.SUBSCRIPTIONS_PUSH_TOP_PAPERS),
                    )
                except Exception as exc:  # a plugin's bug must not stop the other targets
                    ok, logs = False, None
                    error = f"{type(exc).__name__}: {exc}"
                if not ok and not error:
                    error = (logs.getvalue().strip() if logs else "") or "the service did not accept the message"
        # Apprise may log the URL it used; the URL carries the secret.
        error = error.replace(url, target.url_reference) if url else error
    ok = not error
    Push.objects.filter(pk=push.pk).update(ok=ok, error=error[-ERROR_CHARS:], sent_at=timezone.now())
    if not ok:
        logger.warning("Push of %s to %s failed: %s", push.digest_id, target, error)
    return ok


def due_deliveries(*, now: datetime.datetime) -> Q:
    """Deliveries to try now: of digests still live (one taken back waits until it is live again)."""
    return Q(digest__in=Digest.objects.published()) & (
        Q(state=DeliveryState.PENDING)
        | Q(state=DeliveryState.FAILED, attempts__lt=settings.SUBSCRIPTIONS_MAX_ATTEMPTS, retry_at__lte=now)
        | Q(state=DeliveryState.SENDING, claimed_until__lt=now)
    )


def delivery_claim(*, pk: int, now: datetime.datetime) -> bool:
    """Take one due delivery for this worker; False when another took it or it is no longer due."""
    # From the real time too: a long sweep's start time would shorten the claims it makes late.
    lease_from = max(now, timezone.now())
    return bool(
        Delivery.objects.filter(due_deliveries(now=now), pk=pk).update(
            state=DeliveryState.SENDING,
            claimed_until=lease_from + datetime.timedelta(seconds=CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )


def delivery_fail(*, delivery: Delivery, error: BaseException, now: datetime.datetime) -> str:
    """Record a failed try and return its error as stored: without the address, which servers repeat."""
    # Backoff doubles per attempt: a full mailbox or a greylisting server gets time.
    minutes = settings.SUBSCRIPTIONS_RETRY_MINUTES * 2 ** max(0, delivery.attempts - 1)
    text = f"{type(error).__name__}: {error}".replace(delivery.subscriber.email, "<recipient>")[:ERROR_CHARS]
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED,
        claimed_until=None,
        retry_at=now + datetime.timedelta(minutes=minutes),
        last_error=text,
    )
    return text


def digest_message(*, delivery: Delivery, content: DigestContent) -> EmailMultiAlternatives:
    subscriber_id = delivery.subscriber_id
    context = {
        "content": content,
        "manage_url": manage_url(subscriber_id=subscriber_id),
        "unsubscribe_url": unsubscribe_url(subscriber_id=subscriber_id),
    }
    with translation.override(content.language):
        text = render_to_string("subscriptions/email/digest.txt", context)
        html = render_to_string("subscriptions/email/digest.html", context)
    message = EmailMultiAlternatives(
        content.subject,
        text,
        to=[delivery.subscriber.email],
        headers=unsubscribe_headers(subscriber_id=subscriber_id),
    )
    message.attach_alternative(html, "text/html")
    return message


def deliveries_send(
    *, now: datetime.datetime, pacer: Pacer, result: SweepResult, budget_seconds: float | None = None
) -> None:
    """Send every due delivery, paced; stop at a server-wide failure or when the time budget is spent."""
    ids = list(
        Delivery.objects.filter(due_deliveries(now=now)).order_by("digest_id", "id").values_list("pk", flat=True)
    )
    if not ids:
        return
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        # Nothing claimed yet: every delivery stays due for the next sweep.
        result.stopped = f"mail server unavailable: {type(exc).__name__}: {exc}"
        logger.warning("Not sending digests: %s", result.stopped)
        return
    started = pacer.clock()
    contents: dict[int, DigestContent] = {}
    try:
        for pk in ids:
            if budget_seconds is not None and pacer.ready_at() - started >= budget_seconds:
                result.stopped = "time budget spent; the next sweep goes on"
                break
            if not delivery_claim(pk=pk, now=now):
                continue
            delivery = Delivery.objects.select_related("subscriber", "digest__topic").get(pk=pk)
            subscriber = delivery.subscriber
            if not subscriber.is_confirmed or not subscriber.topics.filter(pk=delivery.digest.topic_id).exists():
                Delivery.objects.filter(pk=pk).update(state=DeliveryState.SKIPPED, claimed_until=None)
                result.skipped += 1
                continue
            if delivery.digest_id not in contents:
                contents[delivery.digest_id] = digest_content(digest=delivery.digest)
            message = digest_message(delivery=delivery, content=contents[delivery.digest_id])
            message.connection = connection
            pacer.wait()
            try:
                message.send()
            except RECIPIENT_ERRORS as exc:
                error = delivery_fail(delivery=delivery, error=exc, now=now)
                result.failed += 1
                logger.warning("Delivery %s refused: %s", pk, error)
                continue
            except Exception as exc:
                # The server went away: the rest wait for the next sweep rather than each failing here.
                result.stopped = "mail server failed: " + delivery_fail(delivery=delivery, error=exc, now=now)
                result.failed += 1
                logger.warning("Stopped sending digests: %s", result.stopped)
                break
            Delivery.objects.filter(pk=pk, state=DeliveryState.SENDING).update(
                state=DeliveryState.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
            )
            result.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # a dead connection cannot be closed politely
            pass


def subscriptions_sweep(
    *,
    now: datetime.datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    budget_seconds: float | None = None,
) -> SweepResult:
    """Create the mailings of digests that went live, push them to chats, then send every due mail."""
    now = now or timezone.now()
    result = SweepResult()
    for digest in digests_newly_live(now=now):
        pushes = digest_mailing_create(digest=digest)
        if pushes is None:
            continue
        result.mailings += 1
        result.digests.append(digest.pk)
        if pushes:
            content = digest_content(digest=digest)
            for push in pushes:
                if push_send(push=push, content=content):
                    result.pushed += 1
                else:
                    result.push_failed += 1
    pacer = Pacer(per_minute=settings.SUBSCRIPTIONS_SEND_PER_MINUTE, clock=clock, sleep=sleep)
    deliveries_send(now=now, pacer=pacer, result=result, budget_seconds=budget_seconds)
    logger.info("Subscriptions sweep: %s", result.as_dict())
    return result
