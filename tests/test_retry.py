"""The one retry policy: how many attempts, how long between them, what is retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pycustoms.retry import Backoff, retry_call


class Flaky(Exception):
    def __init__(self, wait: float | None = None) -> None:
        super().__init__("flaky")
        self.wait = wait


def _failing(times: int, error: Exception) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return calls, attempt


def test_retries_then_succeeds_with_full_jitter_below_a_doubling_ceiling() -> None:
    calls, attempt = _failing(3, Flaky())
    slept: list[float] = []
    result = retry_call(
        attempt,
        on=lambda exc: isinstance(exc, Flaky),
        backoff=Backoff(retries=3, first=0.5, cap=1.5),
        sleep=slept.append,
        jitter=lambda: 1.0,
    )
    assert result == "done"
    assert len(calls) == 4
    assert slept == [0.5, 1.0, 1.5]  # doubling, capped


def test_gives_up_after_the_retries_with_the_last_exception() -> None:
    calls, attempt = _failing(10, Flaky())
    with pytest.raises(Flaky):
        retry_call(
            attempt,
            on=lambda exc: isinstance(exc, Flaky),
            backoff=Backoff(retries=2),
            sleep=lambda _: None,
        )
    assert len(calls) == 3


def test_zero_retries_is_one_attempt() -> None:
    calls, attempt = _failing(10, Flaky())
    with pytest.raises(Flaky):
        retry_call(
            attempt,
            on=lambda exc: isinstance(exc, Flaky),
            backoff=Backoff(retries=0),
            sleep=lambda _: None,
        )
    assert len(calls) == 1


def test_an_error_it_is_not_told_to_retry_is_raised_at_once() -> None:
    calls, attempt = _failing(10, KeyError("x"))
    with pytest.raises(KeyError):
        retry_call(
            attempt,
            on=lambda exc: isinstance(exc, Flaky),
            backoff=Backoff(retries=5),
            sleep=lambda _: None,
        )
    assert len(calls) == 1


def test_a_delay_the_failure_asks_for_is_used_up_to_the_cap() -> None:
    _, attempt = _failing(2, Flaky(wait=30.0))
    slept: list[float] = []
    retried: list[int] = []
    retry_call(
        attempt,
        on=lambda exc: isinstance(exc, Flaky),
        backoff=Backoff(retries=3, cap=7.0),
        delay_hint=lambda exc: exc.wait if isinstance(exc, Flaky) else None,
        on_retry=lambda _exc, number: retried.append(number),
        sleep=slept.append,
        jitter=lambda: 0.0,
    )
    assert slept == [7.0, 7.0]
    assert retried == [1, 2]
