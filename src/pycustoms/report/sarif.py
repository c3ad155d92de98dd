"""`--format sarif`: SARIF 2.1.0 with stable rule ids and re-run-stable fingerprints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pycustoms import __version__
from pycustoms.report.paths import relative
from pycustoms.rules import describe
from pycustoms.types import Finding, ScanResult, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
_SECURITY_SEVERITY = {
    Severity.INFO: "0.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.0",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


def fingerprint(target: str, finding: Finding) -> str:
    """A hash of what the finding is about, not where: line shifts keep it stable."""
    snippet = " ".join((finding.snippet or finding.message).split())
    key = "\0".join((target, finding.rule, finding.file or "", snippet))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _location(target: str, is_dir: bool, finding: Finding) -> dict[str, Any]:
    # In a source directory the member is a real file; inside an archive it is not,
    # so the artifact is the archive and the member is a logical location.
    uri = f"{target.rstrip('/')}/{finding.file}" if is_dir and finding.file else target
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if finding.line and (is_dir or not finding.file):
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.file and not is_dir:
        name = finding.file + (f":{finding.line}" if finding.line else "")
        location["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "member"}]
    return location


def render(results: Sequence[ScanResult], out: IO[str], *, base: Path) -> None:
    """Write one SARIF run covering every target."""
    rule_ids = sorted({f.rule for r in results for f in r.verdict.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = []
    for rule_id in rule_ids:
        rule = describe(rule_id)
        rules.append(
            {
                "id": rule_id,
                "name": rule_id.replace("/", "."),
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.description or rule.title},
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {
                    "security-severity": _SECURITY_SEVERITY[rule.severity],
                    "tags": ["security", "supply-chain", rule_id.split("/", 1)[0]],
                },
            }
        )
    sarif_results = []
    for result in results:
        target = relative(result.target, base)
        is_dir = Path(result.target).is_dir()
        for finding in result.verdict.findings:
            where = f" in {finding.file}" if finding.file else ""
            sarif_results.append(
                {
                    "ruleId": finding.rule,
                    "ruleIndex": index[finding.rule],
                    "level": _LEVEL[finding.severity],
                    "message": {"text": f"{finding.message}{where}"},
                    "locations": [_location(target, is_dir, finding)],
                    "partialFingerprints": {"pycustoms/v1": fingerprint(target, finding)},
                    "properties": {
                        "severity": finding.severity.label,
                        "confidence": finding.confidence,
                        "verdict": result.verdict.decision.value,
                    },
                }
            )
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pycustoms",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
                "results": sarif_results,
            }
        ],
    }
    json.dump(document, out, indent=2)
    out.write("\n")
