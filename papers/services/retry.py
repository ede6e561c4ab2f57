"""The one retry policy: bounded tries, exponential pauses, Retry-After honoured.

Built on ``tenacity``. The arXiv client, ingest's upsert, the digest build and
the tasks' wait for the database all retry through ``retrying``; the openai
client retries its own requests (see the openai summary backend). ``sleep``
is injectable so tests record pauses instead of waiting for them.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import time
from collections.abc import Callable

import tenacity

# A server may ask for a pause; longer than this and the run would rather fail and be retried later.
MAX_RETRY_AFTER_SECONDS = 120.0


class Retryable(Exception):
    """A failure worth another try after a pause; ``retry_after`` is the server's wish, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_parse(
    value: str | None,
    *,
    now: datetime.datetime | None = None,
    cap: float = MAX_RETRY_AFTER_SECONDS,
) -> float | None:
    """Return the seconds a Retry-After header asks for, at most ``cap``; None when absent or unreadable.

    The header is either delta-seconds ("120") or an HTTP-date
    ("Wed, 21 Oct 2015 07:28:00 GMT"); a date in the past means "now".
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": HTTP-dates are UTC
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = (when - (now or datetime.datetime.now(datetime.timezone.utc))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), cap)


def retrying(
    *,
    what: str,
    logger: logging.Logger,
    retry_on: tuple[type[BaseException], ...] = (Retryable,),
    attempts: int | None = None,
    within: float | None = None,
    backoff: float = 0.0,
    max_pause: float | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tenacity.Retrying:
    """Return a ``tenacity.Retrying`` that retries ``retry_on`` exceptions; the last one is re-raised.

    It stops after ``attempts`` tries or once ``within`` seconds have passed.
    The n-th pause is ``backoff * 2**(n-1)`` (at most ``max_pause``),
    lengthened to an exception's ``retry_after`` (at most
    ``MAX_RETRY_AFTER_SECONDS``). Each pause is logged with ``what`` failed.
    Use it as ``retrying(...)(fn, *args)`` or ``for attempt in retrying(...): with attempt: ...``.
    """
    if attempts is None and within is None:
        raise ValueError("retrying() needs attempts or within")
    stops = [tenacity.stop_after_attempt(attempts)] if attempts is not None else []
    stops += [tenacity.stop_after_delay(within)] if within is not None else []
    return tenacity.Retrying(
        stop=tenacity.stop_any(*stops),
        wait=_pause(backoff=backoff, max_pause=max_pause),
        retry=tenacity.retry_if_exception_type(retry_on),
        before_sleep=_log(what=what, logger=logger, attempts=attempts),
        # Looked up per call so that a test's patched time.sleep is seen too.
        sleep=sleep or (lambda seconds: time.sleep(seconds)),
        reraise=True,
    )


def _pause(*, backoff: float, max_pause: float | None) -> Callable[[tenacity.RetryCallState], float]:
    exponential = tenacity.wait_exponential(multiplier=backoff, max=max_pause if max_pause is not None else math.inf)

    def pause(state: tenacity.RetryCallState) -> float:
        seconds = exponential(state)
        asked = getattr(state.outcome.exception(), "retry_after", None) if state.outcome else None
        if asked is not None:
            seconds = max(seconds, min(asked, MAX_RETRY_AFTER_SECONDS))
        return seconds

    return pause


def _log(*, what: str, logger: logging.Logger, attempts: int | None) -> Callable[[tenacity.RetryCallState], None]:
    def log(state: tenacity.RetryCallState) -> None:
        tried = f"{state.attempt_number}/{attempts}" if attempts is not None else str(state.attempt_number)
        pause = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        logger.warning("%s: try %s failed: %s; retrying in %.1fs", what, tried, error, pause)

    return log
