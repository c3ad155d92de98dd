"""The `fake_upstream` fixture: a started `FakeUpstream` on 127.0.0.1, stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_upstream import FakeUpstream


@pytest.fixture
def fake_upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    """A running fake index with no projects; add them with `add_project`/`add_release`."""
    upstream = FakeUpstream(tmp_path / "fake-upstream")
    upstream.start()
    try:
        yield upstream
    finally:
        upstream.stop()
