"""The one place where findings become a verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pycustoms.config import Policy
from pycustoms.types import Decision, Finding, Severity, Verdict

# Weight of one distinct rule at full confidence, by severity.
WEIGHTS: dict[Severity, int] = {
    Severity.INFO: 0,
    Severity.LOW: 3,
    Severity.MEDIUM: 10,
    Severity.HIGH: 30,
    Severity.CRITICAL: 60,
}
MAX_SCORE = 100


def apply_overrides(findings: Iterable[Finding], policy: Policy) -> list[Finding]:
    """Drop ignored rules and apply per-rule severity overrides."""
    out: list[Finding] = []
    for finding in findings:
        if policy.ignores(finding.rule):
            continue
        severity = policy.severity_for(finding.rule, finding.severity)
        out.append(finding if severity == finding.severity else replace(finding, severity=severity))
    return out


def score(findings: Iterable[Finding]) -> int:
    """Sum, over distinct rules, the weight of each rule's heaviest finding; cap at 100.

    Repeats of one rule add nothing: a library with forty `subprocess` calls is
    no more suspicious than one with a single call.
    """
    best: dict[str, float] = {}
    for f in findings:
        weight = WEIGHTS[f.severity] * f.confidence
        if weight > best.get(f.rule, -1.0):
            best[f.rule] = weight
    return min(MAX_SCORE, round(sum(best.values())))


def decide(findings: Iterable[Finding], policy: Policy) -> Verdict:
    """Turn findings into a verdict under *policy*, with the reasons for it."""
    kept = sorted(apply_overrides(findings, policy), key=Finding.sort_key)
    total = score(kept)
    reasons: list[str] = []
    decision = Decision.ALLOW
    severe = [f for f in kept if f.severity >= policy.block_severity and f.confidence >= 0.5]
    if severe:
        decision = Decision.BLOCK
        rules = sorted({f.rule for f in severe})
        reasons.append(f"{severe[0].severity.label} finding(s): {', '.join(rules)}")
    if total >= policy.block_score:
        decision = Decision.BLOCK
        reasons.append(f"score {total} >= block-score {policy.block_score}")
    elif total >= policy.warn_score and decision is Decision.ALLOW:
        decision = Decision.WARN
        reasons.append(f"score {total} >= warn-score {policy.warn_score}")
    return Verdict(decision, total, tuple(kept), tuple(reasons))


def fails(verdict: Verdict, policy: Policy) -> bool:
    """True if *verdict* reaches the configured `fail-on` decision."""
    return verdict.decision.rank >= policy.fail_on.rank and verdict.decision is not Decision.ALLOW
