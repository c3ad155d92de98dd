"""Findings from advisories: a known vulnerability, or a package reported as malware."""

from __future__ import annotations

from collections.abc import Iterable

from pycustoms.audit.model import Advisory, Dependency
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity

KNOWN_VULNERABILITY = "vulns/known-vulnerability"
MALICIOUS = "vulns/malicious"
RULES = (
    Rule(
        KNOWN_VULNERABILITY,
        Severity.HIGH,
        "The release has a known vulnerability",
        "An OSV advisory (PYSEC, GHSA, CVE ...) affects this exact version; upgrade to a "
        "fixed version or record an ignore with a reason and an expiry date.",
    ),
    Rule(
        MALICIOUS,
        Severity.CRITICAL,
        "The release is known malware",
        "An OSV `MAL-` report names this package and version: remove it and treat the "
        "machines that installed it as compromised.",
    ),
)


def advisory_findings(dependency: Dependency, advisories: Iterable[Advisory]) -> list[Finding]:
    """One finding per (merged) advisory, with the fix versions in the message."""
    out: list[Finding] = []
    for advisory in advisories:
        fix = f"; fixed in {', '.join(advisory.fixed)}" if advisory.fixed else "; no fix known"
        aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
        rule = MALICIOUS if advisory.malicious else KNOWN_VULNERABILITY
        out.append(
            Finding(
                rule,
                Severity(advisory.severity),
                f"{dependency.display_name} {dependency.version}: {advisory.id}{aliases}: "
                f"{advisory.summary or 'no summary'}{fix}",
                file=dependency.source,
                line=dependency.line,
                snippet=advisory.id,
            )
        )
    return out
