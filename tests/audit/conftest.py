"""Fixtures of the audit tests: a working directory with the sample OSV data as an archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import main
from tests.jsondoc import load

OSV = Path(__file__).parent / "data" / "osv"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory whose data directory holds the sample advisories as a full archive.

    The four sample records stand in for a whole-ecosystem archive (so a release
    without a record is clean), which takes lowering `archive-min-records`.
    """
    monkeypatch.setenv("PYCUSTOMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(["db", "update", "--source", str(OSV), "--min-records", "1"]) == 0
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run `pycustoms audit --format json ARGV`; the exit code and the parsed report."""
    code = main(["audit", "--format", "json", *argv])
    report = load(capsys.readouterr().out, "audit")
    return code, report


# The sha256 the hashed requirements below pin (any value: the audit runs with --no-index).
DIGEST = "ab" * 32


@pytest.fixture
def requirements(env: Path) -> Path:
    """Pinned with hashes: a release with a known vulnerability, a malicious one, and an
    unpinned requirement."""
    path = env / "requirements.txt"
    path.write_text(
        "# pinned with hashes\n"
        f"demo==1.1 --hash=sha256:{DIGEST}\n"
        f"evil-pkg==0.1 --hash=sha256:{DIGEST}\n"
        "attrs>=23\n"
    )
    return path


def blocked_document(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run `pycustoms ARGV`, which must exit 1 (findings), and parse its JSON output."""
    assert main(list(argv)) == 1
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document
