"""`--format sarif`: SARIF 2.1.0 with stable rule ids and re-run-stable fingerprints."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pycustoms.report import sarif_base
from pycustoms.report.paths import below, relative, scanned_root
from pycustoms.rules import Rule, describe
from pycustoms.types import Finding, ScanResult, Severity

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
    return sarif_base.fingerprint(target, finding.rule, finding.file or "", snippet)


def _rule_properties(rule_id: str, rule: Rule) -> dict[str, Any]:
    return {
        "security-severity": _SECURITY_SEVERITY[rule.severity],
        "tags": ["security", "supply-chain", rule_id.split("/", 1)[0]],
    }


def _location(target: str, root: Path, finding: Finding) -> dict[str, Any]:
    # In a source directory the member is a real file; inside an archive it is not,
    # so the artifact is the archive and the member is a logical location.
    is_dir = Path(target).is_dir()
    uri = below(target, root, finding.file if is_dir else None)
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if finding.line and (is_dir or not finding.file):
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.file and not is_dir:
        name = finding.file + (f":{finding.line}" if finding.line else "")
        location["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "member"}]
    return location


def render(results: Sequence[ScanResult], out: IO[str], *, base: Path) -> None:
    """Write one SARIF run covering every target.

    Locations are relative to the scanned root (`scanned_root`), which the run
    names as `%SRCROOT%`: the current directory when every target lies below it.
    """
    root = scanned_root([r.target for r in results], base)
    rules, index = sarif_base.rule_table(
        (f.rule for r in results for f in r.verdict.findings),
        describe,
        _rule_properties,
    )
    sarif_results = []
    for result in results:
        # The fingerprint keeps hashing the displayed path, so that earlier alerts match.
        target = relative(result.target, base)
        for finding in result.verdict.findings:
            where = f" in {finding.file}" if finding.file else ""
            sarif_results.append(
                sarif_base.result(
                    finding,
                    index,
                    message=f"{finding.message}{where}",
                    locations=[_location(result.target, root, finding)],
                    fingerprint=fingerprint(target, finding),
                    properties={"verdict": result.verdict.decision.value},
                )
            )
    sarif_base.write(
        out,
        rules,
        sarif_results,
        semantic_version=True,
        base_uri=root.as_uri() if root.as_uri().endswith("/") else root.as_uri() + "/",
    )
