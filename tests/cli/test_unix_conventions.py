"""The CLI behaves like a Unix tool: quiet on a closed pipe, clear on a bad argument."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.cli import build_parser, main


def test_a_closed_pipe_ends_quietly() -> None:
    names = [f"requests{i}" for i in range(400)]
    child = subprocess.Popen(
        [sys.executable, "-m", "pycustoms", "check-name", "--format", "json", *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.read(1) == b"{"
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


@pytest.mark.parametrize(
    ("upstream", "said"),
    [
        ("pypj.org/simple", "is not an index URL"),
        ("file:///nonexistent/pycustoms-mirror", "directory does not exist"),
    ],
)
def test_serve_refuses_an_upstream_that_cannot_work(
    upstream: str, said: str, tmp_path: Path
) -> None:
    """Before: the server started and every install failed after retries."""
    data = tmp_path / "data"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "pycustoms",
            "serve",
            "--port",
            "0",
            "--upstream",
            upstream,
            "--data-dir",
            str(data),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 2, child.stderr
    assert said in child.stderr
    assert not data.exists()  # refused before anything was created


def test_the_packages_own_syntax_warnings_are_not_printed(tmp_path: Path) -> None:
    """Before: `scan` printed 'SyntaxWarning: invalid escape sequence' for scanned code."""
    (tmp_path / "mod.py").write_text('import os\nx = "\\d"\nif x is "a":\n    os.system("ls")\n')
    child = subprocess.run(
        [sys.executable, "-W", "default", "-m", "pycustoms", "scan", str(tmp_path / "mod.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode in (0, 1), child.stderr
    assert "mod.py" in child.stdout
    assert "Warning" not in child.stderr


@pytest.mark.parametrize(("value", "deep"), [("0", False), ("off", False), ("1", True)])
def test_a_boolean_variable_means_what_it_says(
    value: str, deep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `PYCUSTOMS_DEEP=0` turned `inspect --deep` on (any non-empty string did)."""
    monkeypatch.setenv("PYCUSTOMS_DEEP", value)
    args = build_parser("inspect").parse_args(["inspect", "six==1.16.0"])
    assert args.deep is deep


def test_a_boolean_variable_that_is_not_one_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYCUSTOMS_DEEP", "maybe")
    assert main(["inspect", "six==1.16.0"]) == 2
    assert "PYCUSTOMS_DEEP='maybe' is not a boolean" in capsys.readouterr().err
