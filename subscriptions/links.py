"""Absolute links for mails, built outside any request from SITE_URL."""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from .tokens import confirm_token_make, manage_token_make


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_url(*, email: str, topic_ids: list[int]) -> str:
    token = confirm_token_make(email=email, topic_ids=topic_ids)
    return absolute(reverse("subscriptions:confirm", kwargs={"token": token}))


def manage_url(*, subscriber_id: int) -> str:
    return absolute(reverse("subscriptions:manage", kwargs={"token": manage_token_make(subscriber_id=subscriber_id)}))


def unsubscribe_url(*, subscriber_id: int) -> str:
    token = manage_token_make(subscriber_id=subscriber_id)
    return absolute(reverse("subscriptions:unsubscribe", kwargs={"token": token}))


def unsubscribe_headers(*, subscriber_id: int) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button that POSTs to the link."""
    mailto = settings.SUBSCRIPTIONS_UNSUBSCRIBE_MAILTO or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    token = manage_token_make(subscriber_id=subscriber_id)
    return {
        "List-Unsubscribe": (
            f"<{unsubscribe_url(subscriber_id=subscriber_id)}>, "
            f"<mailto:{mailto}?subject={quote('unsubscribe ' + token)}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
