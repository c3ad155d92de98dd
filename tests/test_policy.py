"""The policy step: findings to verdicts."""

from __future__ import annotations

from pycustoms.config import Policy
from pycustoms.policy import decide, fails, score
from pycustoms.types import Decision, Finding, Severity


def f(rule: str, severity: Severity, confidence: float = 1.0) -> Finding:
    return Finding(rule, severity, "m", confidence=confidence)


def test_no_findings_allow() -> None:
    verdict = decide([], Policy())
    assert verdict.decision is Decision.ALLOW
    assert verdict.score == 0


def test_a_critical_finding_blocks_on_its_own() -> None:
    verdict = decide([f("code/x", Severity.CRITICAL)], Policy())
    assert verdict.decision is Decision.BLOCK
    assert "code/x" in verdict.reasons[0]


def test_low_confidence_critical_does_not_block_by_severity_alone() -> None:
    verdict = decide([f("code/x", Severity.CRITICAL, 0.3)], Policy())
    assert verdict.decision is Decision.ALLOW
    assert verdict.score == 18


def test_repeats_of_one_rule_count_once() -> None:
    many = [f("code/process", Severity.MEDIUM)] * 40
    assert score(many) == 10
    assert decide(many, Policy()).decision is Decision.ALLOW


def test_distinct_rules_add_up_to_warn_and_block() -> None:
    assert decide([f("a/x", Severity.HIGH)], Policy()).decision is Decision.WARN
    two_high = [f("a/x", Severity.HIGH), f("a/y", Severity.HIGH)]
    assert decide(two_high, Policy()).decision is Decision.BLOCK


def test_ignores_and_overrides_apply_before_scoring() -> None:
    policy = Policy(ignore=("a/",), severity_overrides=(("b/x", Severity.LOW),))
    verdict = decide([f("a/x", Severity.CRITICAL), f("b/x", Severity.CRITICAL)], policy)
    assert verdict.decision is Decision.ALLOW
    assert [x.rule for x in verdict.findings] == ["b/x"]
    assert verdict.findings[0].severity is Severity.LOW


def test_fail_on_threshold() -> None:
    warn = decide([f("a/x", Severity.HIGH)], Policy())
    assert not fails(warn, Policy())
    assert fails(warn, Policy(fail_on=Decision.WARN))
    assert not fails(decide([], Policy(fail_on=Decision.WARN)), Policy(fail_on=Decision.WARN))
