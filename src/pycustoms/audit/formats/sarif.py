"""`--format sarif`: SARIF 2.1.0; each result points at the input file and dependency line."""

from __future__ import annotations

from typing import IO, Any

from pycustoms.audit.model import AuditReport
from pycustoms.report import sarif_base
from pycustoms.rules import Rule, describe
from pycustoms.types import Finding, Severity

UNVERIFIED_RULE = "audit/unverified"
UNDETERMINED_RULE = "audit/undetermined"
_OWN_RULES = {
    UNVERIFIED_RULE: Rule(
        UNVERIFIED_RULE,
        Severity.HIGH,
        "A check could not be completed",
        "A selected source (vulnerability database, OSV API, index) did not answer, so "
        "the dependency is not known to be clean.",
    ),
    UNDETERMINED_RULE: Rule(
        UNDETERMINED_RULE,
        Severity.INFO,
        "A check does not apply without an exact version",
        "The input states a range, URL or path, so vulnerabilities were not looked up; "
        "lock the dependency to audit it fully.",
    ),
}


def _rule(rule_id: str) -> Rule:
    """Our own rules first (always importable), then the shared catalogue."""
    if rule_id in _OWN_RULES:
        return _OWN_RULES[rule_id]
    from pycustoms.audit import checks  # noqa: PLC0415 - avoids an import cycle
    from pycustoms.audit.inputs import environment  # noqa: PLC0415
    from pycustoms.vulns import analyze  # noqa: PLC0415

    for module in (checks, environment, analyze):
        for rule in module.RULES:
            if rule.id == rule_id:
                found: Rule = rule
                return found
    return describe(rule_id)


def _result(
    finding: Finding, subject: str, index: dict[str, int], props: dict[str, Any]
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.file or subject}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    return sarif_base.result(
        finding,
        index,
        message=finding.message,
        locations=[{"physicalLocation": physical}],
        fingerprint=sarif_base.fingerprint(
            subject, finding.rule, finding.snippet or finding.message
        ),
        properties=props,
    )


def render(report: AuditReport, out: IO[str]) -> None:
    """One run; unverified dependencies are results of rule `audit/unverified`."""
    pairs: list[tuple[Finding, str, dict[str, Any]]] = []
    for r in report.results:
        d = r.dependency
        subject = f"{d.name}=={d.version}" if d.version else d.name
        props = {"package": d.name, "version": d.version}
        pairs.extend((f, subject, props) for f in r.verdict.findings)
        if r.unverified:
            level = Severity.LOW if report.allow_unverified else Severity.HIGH
            text = f"{subject} was not fully checked: {'; '.join(r.unverified)}"
            pairs.append(
                (
                    Finding(UNVERIFIED_RULE, level, text, d.source, d.line, subject),
                    subject,
                    {"unverified": True},
                )
            )
        if r.undetermined:
            text = f"{subject}: {'; '.join(r.undetermined)}"
            pairs.append(
                (
                    Finding(UNDETERMINED_RULE, Severity.INFO, text, d.source, d.line, subject),
                    subject,
                    {"undetermined": True},
                )
            )
    for path, verdict in report.input_verdicts:
        pairs += [(f, path, {}) for f in verdict.findings]
    rules, index = sarif_base.rule_table((f.rule for f, _, _ in pairs), _rule)
    sarif_base.write(out, rules, [_result(f, s, index, p) for f, s, p in pairs])
