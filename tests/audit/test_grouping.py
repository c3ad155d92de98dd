"""Human output groups repeated findings of one rule; JSON and -v keep every one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.cli import main
from tests.jsondoc import load

NAMES = [f"pkg{n:02d}" for n in range(12)]


@pytest.fixture
def freeze(env: Path) -> Path:
    path = env / "requirements.txt"
    path.write_text("".join(f"{name}==1.{n}\n" for n, name in enumerate(NAMES)) + "lone>=1\n")
    return path


def test_repeated_findings_are_one_row(freeze: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(freeze), "--no-index"]) == 0
    out = capsys.readouterr().out
    assert out.count("audit/missing-hashes") == 1
    assert "12 dependencies" in out
    assert "pkg00 1.0, pkg01 1.1" in out
    assert "pkg11" not in out  # the rest is counted, not listed
    assert "-v lists them all" in out
    assert "audit/unpinned" in out  # a single finding stays a row of its own
    assert "lone" in out
    assert len(out.splitlines()) < 40


def test_verbose_lists_every_name_and_json_keeps_every_finding(
    freeze: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", str(freeze), "--no-index", "-v"]) == 0
    out = capsys.readouterr().out
    assert out.count("audit/missing-hashes") == 1
    for name in NAMES:
        assert name in out
    assert main(["audit", str(freeze), "--no-index", "--format", "json"]) == 0
    report = load(capsys.readouterr().out, "audit")
    rules = [f["rule"] for d in report["dependencies"] for f in d["verdict"]["findings"]]
    assert rules.count("audit/missing-hashes") == len(NAMES)


def test_not_checked_dependencies_with_one_reason_are_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = env / "requirements.txt"
    req.write_text("".join(f"{name}==1.0 --hash=sha256:{'ab' * 32}\n" for name in NAMES))
    dead = ["--vuln-source", "osv", "--osv-url", "http://127.0.0.1:9", "--allow-unverified"]
    assert main(["audit", str(req), "--no-index", *dead]) == 0
    out = capsys.readouterr().out
    assert "unverified (allowed): 12 dependencies" in out
    assert out.count("osv:") == 1
