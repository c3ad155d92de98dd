"""The `redis_server` fixture: a real Redis of its own for each test that asks.

Each test gets a fresh server (a test may stop and restart it), started in a
temporary directory. Where Redis is not installed the tests skip and say which
package to install.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis import LocalRedis, RedisUnavailableError


@pytest.fixture
def redis_server() -> Iterator[LocalRedis]:
    """A running Redis server of this test."""
    try:
        server = LocalRedis()
    except RedisUnavailableError as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()
