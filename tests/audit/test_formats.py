"""SARIF and CycloneDX content: rule ids, locations, purls, hashes, vulnerability refs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import DIGEST, blocked_document


def _render(capsys: pytest.CaptureFixture[str], fmt: str, *argv: str) -> dict[str, Any]:
    return blocked_document(capsys, "audit", "--format", fmt, "--no-index", *argv)


def test_sarif_rules_and_locations(requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _render(capsys, "sarif", str(requirements))
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        by_rule.setdefault(result["ruleId"], []).append(result)
    assert {
        "vulns/known-vulnerability",
        "vulns/malicious",
        "audit/unpinned",
        "audit/undetermined",
    } <= set(by_rule)

    def where(rule: str) -> tuple[str, int]:
        location = by_rule[rule][0]["locations"][0]["physicalLocation"]
        return location["artifactLocation"]["uri"], location["region"]["startLine"]

    assert where("vulns/known-vulnerability") == (str(requirements), 2)
    assert where("vulns/malicious") == (str(requirements), 3)
    assert where("audit/unpinned") == (str(requirements), 4)
    assert by_rule["vulns/malicious"][0]["level"] == "error"
    assert by_rule["audit/undetermined"][0]["level"] == "note"
    # The finding's facts come from the one serialiser, as in `pycustoms scan`'s SARIF
    # (before: the audit's SARIF had no confidence).
    properties = by_rule["vulns/malicious"][0]["properties"]
    assert properties["severity"] == "critical"
    assert properties["confidence"] == 1.0
    assert properties["package"] == "evil-pkg"


def test_cyclonedx_structure(requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = _render(capsys, "cyclonedx-json", str(requirements))
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    components = {c["name"]: c for c in bom["components"]}
    demo = components["demo"]
    assert demo["purl"] == "pkg:pypi/demo@1.1"
    assert demo["version"] == "1.1"
    assert demo["hashes"] == [{"alg": "SHA-256", "content": DIGEST}]
    assert components["evil-pkg"]["purl"] == "pkg:pypi/evil-pkg@0.1"
    status = {p["name"]: p["value"] for p in components["attrs"]["properties"]}
    assert status["pycustoms:status"] == "unverified"
    refs = {c["bom-ref"] for c in bom["components"]}
    vulnerabilities = {v["id"]: v for v in bom["vulnerabilities"]}
    assert set(vulnerabilities) == {"PYSEC-2099-1", "MAL-2099-7"}
    for vulnerability in vulnerabilities.values():
        assert {a["ref"] for a in vulnerability["affects"]} <= refs
    assert vulnerabilities["PYSEC-2099-1"]["affects"][0]["ref"] == demo["bom-ref"]
    assert vulnerabilities["PYSEC-2099-1"]["ratings"][0]["severity"] == "critical"
