"""Process pools: workers at a lower CPU priority when asked (the server's scan pools)."""

from __future__ import annotations

import os

from pycustoms.pools import process_pool


def _niceness() -> int:
    return os.nice(0)


def test_workers_run_at_the_priority_asked_for() -> None:
    mine = os.nice(0)
    with process_pool(1, nice=5) as pool:
        assert pool.submit(_niceness).result(timeout=60) == min(mine + 5, 19)
    with process_pool(1) as pool:
        assert pool.submit(_niceness).result(timeout=60) == mine
