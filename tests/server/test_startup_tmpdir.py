"""`pycustoms serve` refuses a TMPDIR too long for its scan workers' socket, rather than
starting and answering every download with 503."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.errors import ConfigError
from pycustoms.server.startup import check_temp_dir
from tests.server.serverproc import clean_env


def test_a_short_temporary_directory_passes() -> None:
    check_temp_dir("/tmp")


def test_a_long_temporary_directory_is_refused() -> None:
    with pytest.raises(ConfigError, match="too long for the scan workers' socket"):
        check_temp_dir("/tmp/" + "d" * 80)


def test_serve_exits_2_naming_tmpdir(tmp_path: Path) -> None:
    long_dir = tmp_path / ("t" * 60) / ("u" * 60)
    long_dir.mkdir(parents=True)
    child = subprocess.run(
        [sys.executable, "-m", "pycustoms", "serve", "--port", "0", "--data-dir",
         str(tmp_path / "data"), "--upstream", "http://127.0.0.1:9/simple/"],
        env=clean_env(TMPDIR=str(long_dir)),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert child.returncode == 2, child.stderr
    assert "set TMPDIR to a shorter directory" in child.stderr
