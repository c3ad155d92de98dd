"""The CLI behaves like a Unix tool: quiet on a closed pipe, clear on a bad argument."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pycustoms.cli import main


def test_a_closed_pipe_ends_quietly() -> None:
    names = [f"requests{i}" for i in range(400)]
    child = subprocess.Popen(
        [sys.executable, "-m", "pycustoms", "check-name", "--format", "json", *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.read(1) == b"["
    child.stdout.close()  # `| head -c 1`
    _, err = child.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    assert b"BrokenPipeError" not in err


@pytest.mark.parametrize("bad", ["not-a-url", "pypj.org/simple", "://nohost"])
def test_check_index_refuses_what_is_not_a_url(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: `check-index not-a-url` said allow."""
    assert main(["check-index", bad]) == 2
    assert "is not an index URL" in capsys.readouterr().err
