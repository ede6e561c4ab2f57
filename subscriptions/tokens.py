"""Signed values in the links of our mails: nothing in them can be forged or altered.

A confirmation link carries the address and the topics asked for and expires;
the manage/unsubscribe link carries the subscriber's id and does not expire,
since an unsubscribe link must keep working in old mails.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "subscriptions.confirm"
MANAGE_SALT = "subscriptions.manage"


@dataclass(frozen=True)
class ConfirmRequest:
    email: str
    topic_ids: list[int]


def confirm_token_make(*, email: str, topic_ids: list[int]) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object({"e": email, "t": sorted(set(topic_ids))})


def confirm_token_read(token: str) -> ConfirmRequest | None:
    """The request a confirmation link stands for, or None if tampered with or older than the max age."""
    max_age = settings.SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS * 3600
    try:
        data = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(token, max_age=max_age)
        return ConfirmRequest(email=str(data["e"]), topic_ids=[int(i) for i in data["t"]])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def manage_token_make(*, subscriber_id: int) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(str(subscriber_id))


def manage_token_read(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=MANAGE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
