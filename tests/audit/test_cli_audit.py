from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import main
from tests.audit.conftest import run_json
from tests.fake_upstream import FakeUpstream
from tests.jsondoc import decision, rules

OLD = datetime.now(UTC) - timedelta(days=400)
DIGEST = "ab" * 32


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, *argv)


def test_vulnerable_pin_offline(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = env / "requirements.txt"
    req.write_text(
        f"demo==1.1 --hash=sha256:{DIGEST}\nevil-pkg==0.1 --hash=sha256:{DIGEST}\nsafe==2.0\n"
    )
    code, report = _run(capsys, str(req), "--no-index")
    assert code == 1
    deps = {d["name"]: d for d in report["dependencies"]}
    [advisory] = deps["demo"]["advisories"]
    assert advisory["id"] == "PYSEC-2099-1"
    assert set(advisory["aliases"]) == {"CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"}
    assert advisory["fixed"] == ["1.2"]
    assert advisory["severity"] == "critical"
    assert decision(deps["evil-pkg"]) == "block"
    assert "audit/missing-hashes" in rules(deps["safe"])
    for fmt in ("sarif", "cyclonedx-json", "markdown", "human"):
        assert main(["audit", str(req), "--no-index", "--format", fmt]) == 1
        assert "demo" in capsys.readouterr().out


def test_ignore_and_expired_ignore(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "pycustoms.toml").write_text(
        '[[audit.ignore]]\nid = "CVE-2099-0001"\nreason = "not reachable"\nexpires = "2999-01-01"\n'
        '[[audit.ignore]]\nid = "X-1"\nreason = "old"\nexpires = "2000-01-01"\n'
    )
    req = env / "requirements.txt"
    req.write_text(f"demo==1.1 --hash=sha256:{DIGEST}\n")
    code, report = _run(capsys, str(req), "--no-index")
    [dep] = report["dependencies"]
    assert dep["advisories"] == []
    assert dep["ignored"]
    expired = [f for i in report["input_findings"] for f in i["verdict"]["findings"]]
    assert [f["rule"] for f in expired] == ["audit/expired-ignore"]
    # A medium finding warns; with the default --fail-on block it does not fail the run.
    assert code == 0


def test_fail_closed_when_source_cannot_answer(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = env / "requirements.txt"
    req.write_text(f"demo==1.3 --hash=sha256:{DIGEST}\n")
    dead = "http://127.0.0.1:9"
    code, report = _run(capsys, str(req), "--no-index", "--vuln-source", "osv", "--osv-url", dead)
    assert code == 3
    assert report["dependencies"][0]["status"] == "unverified"
    code, report = _run(
        capsys,
        str(req),
        "--no-index",
        "--vuln-source",
        "osv",
        "--osv-url",
        dead,
        "--allow-unverified",
    )
    assert code == 0
    assert report["unverified"] == 1


def test_index_checks_and_fix_hashes(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = fake_upstream.add_release("demo", "1.3", uploaded=OLD)
    fake_upstream.add_release("demo", "1.2", uploaded=OLD - timedelta(days=30))
    req = env / "requirements.txt"
    original = "# top\r\ndemo==1.3  # pinned\r\nother\r\n"
    req.write_bytes(original.encode())
    assert main(["audit", "--fix-hashes", str(req), "--index-url", fake_upstream.url]) == 0
    assert f"added hashes to 1 pins in {req}" in capsys.readouterr().out
    fixed = req.read_bytes().decode()
    assert fixed.startswith("# top\r\ndemo==1.3 \\\r\n")
    assert fixed.endswith("  # pinned\r\nother\r\n")
    for item in files:
        assert f"--hash=sha256:{item.sha256}" in fixed
    lock = env / "requirements-lock.txt"
    lock.write_text(f"demo==1.3 --hash=sha256:{files[0].sha256} --hash=sha256:{'ab' * 32}\n")
    code, report = _run(capsys, str(lock), "--index-url", fake_upstream.url, "--deep")
    assert "audit/hash-not-on-index" in rules(report["dependencies"][0])
    assert report["dependencies"][0]["status"] == "checked"
    assert code == 1  # a locked hash the index does not list fails the audit


def test_quiet_prints_one_line_per_dependency_with_findings(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = env / "requirements.txt"
    req.write_text(f"demo==1.1 --hash=sha256:{DIGEST}\ncalm==2.0 --hash=sha256:{DIGEST}\n")
    assert main(["audit", str(req), "--no-index"]) == 1
    out, _ = capsys.readouterr()
    assert "pycustoms audit" in out  # the human report's heading
    assert main(["audit", str(req), "--no-index", "-q"]) == 1
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    verdict, pin, rules = line.split("\t")
    assert (verdict, pin) == ("block", "demo 1.1")
    assert "vulns/known-vulnerability" in rules.split(",")
    assert err == ""
