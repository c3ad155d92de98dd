"""One retry policy for everything that asks again: exponential backoff with full jitter.

Every loop that retried by hand (the index client, the JSON API, file downloads,
the install log, webhooks) calls `retry_call` with a `Backoff`: the number of
retries (the `upstream.retries` setting, where the request goes to the index),
the first delay and the cap. Attempt *n* waits a random time between 0 and
`min(cap, first * 2 ** (n - 1))` ("full jitter": many clients that failed together
do not retry together), unless the failure carries its own delay (an HTTP
`Retry-After`), which is used up to the cap. Built on tenacity.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """How often and how patiently to try again."""

    # Retries after the first attempt (0: try once).
    retries: int = 3
    # The ceiling of the first wait, doubled for each later one, never above *cap*.
    first: float = 0.5
    cap: float = 10.0

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number *retry* (1-based)."""
        return min(self.cap, self.first * 2.0 ** (retry - 1))


def retry_call(
    attempt: Callable[[], _T],
    *,
    on: Callable[[BaseException], bool],
    backoff: Backoff,
    delay_hint: Callable[[BaseException], float | None] = lambda _: None,
    on_retry: Callable[[BaseException, int], None] = lambda _exc, _number: None,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> _T:
    """Call *attempt* until it returns, an exception *on* refuses is raised, or retries run out.

    The last exception is raised as it is. *delay_hint* may name the wait a failure
    asks for (Retry-After); *on_retry* hears of each failure that is retried, with the
    retry's number; *sleep* and *jitter* are there for tests.
    """

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        hinted = delay_hint(failure) if failure is not None else None
        if hinted is not None:
            return float(min(backoff.cap, max(0.0, hinted)))
        return backoff.ceiling(state.attempt_number) * jitter()

    def before_sleep(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        if failure is not None:
            on_retry(failure, state.attempt_number)

    retrying = Retrying(
        retry=retry_if_exception(on),
        stop=stop_after_attempt(max(0, backoff.retries) + 1),
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(attempt)
