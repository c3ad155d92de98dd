"""Output formats for scan results."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.report import render
from pycustoms.types import Capability, Finding, ScanResult, Severity
from tests.jsondoc import decision, results


def _result(tmp_path: Path, line: int = 3) -> ScanResult:
    target = tmp_path / "evil-1.0.tar.gz"
    target.write_bytes(b"")
    finding = Finding(
        "scan/error", Severity.CRITICAL, "boom", file="setup.py", line=line, snippet="exec(x)"
    )
    return ScanResult(
        str(target), decide([finding], Policy()), capabilities=frozenset({Capability.NETWORK})
    )


def test_json_has_the_documented_keys(tmp_path: Path) -> None:
    out = io.StringIO()
    render([_result(tmp_path)], "json", out, base=tmp_path)
    [doc] = results(out.getvalue(), "scan")
    assert doc["target"] == "evil-1.0.tar.gz"
    assert decision(doc) == "block"
    assert doc["capabilities"] == ["network"]
    finding = doc["verdict"]["findings"][0]
    assert {k: finding[k] for k in ("rule", "severity", "file", "line", "snippet")} == {
        "rule": "scan/error",
        "severity": "critical",
        "file": "setup.py",
        "line": 3,
        "snippet": "exec(x)",
    }


def test_sarif_is_2_1_0_with_rules_and_stable_fingerprints(tmp_path: Path) -> None:
    docs = []
    for line in (3, 9):  # the same finding on another line keeps its fingerprint
        out = io.StringIO()
        render([_result(tmp_path, line)], "sarif", out, base=tmp_path)
        docs.append(json.loads(out.getvalue()))
    run = docs[0]["runs"][0]
    assert docs[0]["version"] == "2.1.0"
    assert run["tool"]["driver"]["rules"][0]["id"] == "scan/error"
    result = run["results"][0]
    assert result["ruleId"] == "scan/error"
    assert result["level"] == "error"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "evil-1.0.tar.gz"  # relative to the base
    member = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert member == "setup.py:3"
    prints = [d["runs"][0]["results"][0]["partialFingerprints"] for d in docs]
    assert prints[0] == prints[1]


def test_human_lists_blocked_targets_with_reasons(tmp_path: Path) -> None:
    out = io.StringIO()
    render([_result(tmp_path)], "human", out, base=tmp_path)
    text = out.getvalue()
    assert "BLOCK evil-1.0.tar.gz" in text
    assert "scan/error" in text
    assert "1 target(s): 0 allow, 0 warn, 1 block" in text


def _allowed_with_a_score(tmp_path: Path) -> ScanResult:
    target = tmp_path / "calm-1.0.tar.gz"
    target.write_bytes(b"")
    finding = Finding("code/process-spawn", Severity.LOW, "runs git", file="calm/vcs.py", line=7)
    verdict = decide([finding], Policy())
    assert verdict.score > 0
    return ScanResult(str(target), verdict)


def test_human_shows_the_findings_of_an_allow_with_a_score_only_with_verbose(
    tmp_path: Path,
) -> None:
    result = _allowed_with_a_score(tmp_path)
    plain, verbose, quiet = io.StringIO(), io.StringIO(), io.StringIO()
    render([result], "human", plain, base=tmp_path)
    render([result], "human", verbose, base=tmp_path, verbose=True)
    render([result], "human", quiet, base=tmp_path, quiet=True)
    assert "code/process-spawn" not in plain.getvalue()
    assert "1 allowed target(s) have findings below the warn score; -v shows them" in (
        plain.getvalue()
    )
    assert "ALLOW calm-1.0.tar.gz" in verbose.getvalue()
    assert "code/process-spawn" in verbose.getvalue()
    assert "calm/vcs.py:7" in verbose.getvalue()
    assert quiet.getvalue() == "allow\tcalm-1.0.tar.gz\n"


def test_sarif_uris_are_relative_to_the_scanned_root(tmp_path: Path) -> None:
    out = io.StringIO()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    render([_result(tmp_path)], "sarif", out, base=elsewhere)
    [run] = json.loads(out.getvalue())["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "evil-1.0.tar.gz", "uriBaseId": "%SRCROOT%"}
