"""The one atomic-write helper."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pycustoms.atomic import write_atomic


def test_writes_bytes_and_text_and_creates_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    write_atomic(target, b"one")
    assert target.read_bytes() == b"one"
    write_atomic(target, "twö")
    assert target.read_text(encoding="utf-8") == "twö"
    assert [p.name for p in target.parent.iterdir()] == ["file"]


def test_a_file_that_existed_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == "new\n"


def test_a_new_file_is_private(tmp_path: Path) -> None:
    target = tmp_path / "cache.json"
    write_atomic(target, b"{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_replace_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(IsADirectoryError):
        write_atomic(target, b"data")
    assert (target / "inside").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]
