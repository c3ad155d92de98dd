"""The `seaweed` fixture: a real S3 server (SeaweedFS) of its own for each test that asks,
with the S3 client variables set for the test. Where no `weed` binary is found the
test skips and says where it looked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.seaweed import LocalSeaweed, SeaweedUnavailableError


@pytest.fixture
def seaweed(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalSeaweed]:
    """A running SeaweedFS with an empty bucket `pycustoms-test`; S3 variables set."""
    try:
        server = LocalSeaweed()
    except SeaweedUnavailableError as exc:
        pytest.skip(str(exc))
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        server.stop()
