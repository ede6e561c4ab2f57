"""The shared retry policy: Retry-After in both forms, doubling pauses, bounded tries; no real waiting."""

import datetime
import logging

import pytest

from papers.services.retry import MAX_RETRY_AFTER_SECONDS, Retryable, retry_after_parse, retrying

UTC = datetime.timezone.utc
NOW = datetime.datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
logger = logging.getLogger("paperdigest.test_retry")


def failing(*errors):
    """A callable that raises ``errors`` in turn, then returns "done"; it counts its calls."""
    queue = list(errors)

    def call():
        call.calls += 1
        if queue:
            raise queue.pop(0)
        return "done"

    call.calls = 0
    return call


def test_retry_after_in_seconds_is_read():
    assert retry_after_parse("7") == 7.0


def test_retry_after_as_an_http_date_is_the_time_until_it():
    assert retry_after_parse("Wed, 21 Oct 2015 07:28:30 GMT", now=NOW) == 30.0


def test_retry_after_is_capped():
    assert retry_after_parse("Wed, 21 Oct 2015 09:00:00 GMT", now=NOW) == MAX_RETRY_AFTER_SECONDS
    assert retry_after_parse("86400") == MAX_RETRY_AFTER_SECONDS


def test_retry_after_in_the_past_means_now():
    assert retry_after_parse("Wed, 21 Oct 2015 07:00:00 GMT", now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Someday, 99 Foo 2015"])
def test_unreadable_retry_after_is_ignored(value):
    assert retry_after_parse(value) is None


def test_pauses_double_from_the_backoff():
    pauses = []
    call = failing(Retryable("a"), Retryable("b"), Retryable("c"))
    result = retrying(what="test", logger=logger, attempts=4, backoff=1.5, sleep=pauses.append)(call)
    assert result == "done"
    assert pauses == [1.5, 3.0, 6.0]


def test_a_longer_retry_after_lengthens_the_pause_and_a_shorter_one_does_not_shorten_it():
    pauses = []
    call = failing(Retryable("busy", retry_after=30.0), Retryable("busy", retry_after=0.5))
    retrying(what="test", logger=logger, attempts=3, backoff=1.0, sleep=pauses.append)(call)
    assert pauses == [30.0, 2.0]


def test_retry_after_above_the_cap_waits_the_cap():
    pauses = []
    call = failing(Retryable("busy", retry_after=3600.0))
    retrying(what="test", logger=logger, attempts=2, sleep=pauses.append)(call)
    assert pauses == [MAX_RETRY_AFTER_SECONDS]


def test_the_last_failure_is_raised_after_the_last_try():
    call = failing(*(Retryable(f"try {n}") for n in range(1, 4)))
    with pytest.raises(Retryable, match="try 3"):
        retrying(what="test", logger=logger, attempts=3, sleep=lambda seconds: None)(call)
    assert call.calls == 3


def test_other_exceptions_are_not_retried():
    call = failing(KeyError("no"))
    with pytest.raises(KeyError):
        retrying(what="test", logger=logger, attempts=5, sleep=lambda seconds: None)(call)
    assert call.calls == 1


def test_within_gives_up_once_its_time_has_passed():
    call = failing(*[Retryable("down")] * 1000)
    with pytest.raises(Retryable):
        retrying(what="test", logger=logger, within=0.05, backoff=0.01, max_pause=0.01)(call)
    assert 1 < call.calls < 1000


def test_each_pause_is_logged_with_what_failed(caplog):
    call = failing(Retryable("HTTP 503"))
    with caplog.at_level(logging.WARNING, logger="paperdigest.test_retry"):
        retrying(what="The thing", logger=logger, attempts=2, backoff=4.0, sleep=lambda seconds: None)(call)
    assert "The thing: try 1/2 failed: HTTP 503; retrying in 4.0s" in caplog.text
