"""Readers following topics by email, editors' chat targets, and what was sent to whom.

Nothing here is shown publicly: addresses appear only in mails sent to them.
"""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from digests.models import Digest
from papers.models import Topic

ENV_PREFIX = "env:"


class Subscriber(models.Model):
    """One address. It follows topics only once it confirmed (double opt-in)."""

    email = models.EmailField(unique=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="subscribers")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"subscriber #{self.pk}"  # never the address: lists and logs must not show it

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Mailing(models.Model):
    """A digest that went live and had its deliveries and pushes created: it is never mailed again."""

    digest = models.OneToOneField(Digest, on_delete=models.CASCADE, related_name="mailing")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"mailing of {self.digest}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"  # claimed by a worker until ``claimed_until``
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # unsubscribed before it was sent


class Delivery(models.Model):
    """One digest to one subscriber: the unique pair is what makes a retry never mail twice."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["digest", "id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["digest", "subscriber"], name="delivery_unique_subscriber")]
        indexes = [models.Index(fields=["state", "retry_at"])]

    def __str__(self) -> str:
        return f"{self.digest} to #{self.subscriber_id}: {self.state}"


def validate_target_reference(value: str) -> None:
    name = value.removeprefix(ENV_PREFIX)
    if not value.startswith(ENV_PREFIX) or not name.replace("_", "").isalnum():
        raise ValidationError(
            "Give a reference env:NAME to an environment variable holding the Apprise URL "
            "(e.g. env:SLACK_ML_URL); the URL itself carries a secret and is never stored."
        )


class NotificationTarget(models.Model):
    """A chat destination of a topic; the Apprise URL itself lives in the environment."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="notification_targets")
    name = models.CharField(max_length=100)
    url_reference = models.CharField(
        max_length=120,
        validators=[validate_target_reference],
        help_text="env:NAME — the environment variable NAME holds the Apprise URL (slack://…, discord://…, "
        "tgram://…, feishu://…, matrix://…, ntfy://…, mmost://…, json://…), read at send time.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["topic", "name"]
        constraints = [models.UniqueConstraint(fields=["topic", "name"], name="target_unique_name")]

    def __str__(self) -> str:
        return f"{self.topic.slug}: {self.name}"

    @property
    def env_name(self) -> str:
        return self.url_reference.removeprefix(ENV_PREFIX)

    def resolve_url(self) -> str:
        """The Apprise URL from the environment, or "" when the variable is unset."""
        return os.environ.get(self.env_name, "").strip()


class Push(models.Model):
    """One digest pushed to one target, made at most once; ``ok`` is None while it is being sent."""

    target = models.ForeignKey(NotificationTarget, on_delete=models.CASCADE, related_name="pushes")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="pushes")
    ok = models.BooleanField(null=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "pushes"
        constraints = [
            models.UniqueConstraint(fields=["target", "digest"], name="push_unique_target"),
            models.CheckConstraint(condition=Q(ok__isnull=True) | Q(sent_at__isnull=False), name="push_done_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.digest} to {self.target}: {'ok' if self.ok else 'failed' if self.ok is False else 'sending'}"
