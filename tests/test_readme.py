"""The README's command-line block is the real `pycustoms --help`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_shows_current_help() -> None:
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run(
        [sys.executable, "-m", "pycustoms", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert proc.stdout.strip() in README.read_text(encoding="utf-8"), (
        "README's 'Command line' block is stale: paste the output of "
        "`COLUMNS=80 pycustoms --help` into it"
    )


def test_readme_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text
    assert "make test" in text
