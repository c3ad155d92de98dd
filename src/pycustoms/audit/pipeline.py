"""The audit pipeline: inputs -> checks and vulnerability sources -> ignores -> policy -> report."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from pycustoms.audit.checks import expired_ignores, index_findings, license_findings, pin_findings
from pycustoms.audit.indexcheck import IndexChecker, IndexOutcome
from pycustoms.audit.model import (
    Advisory,
    AuditInput,
    AuditReport,
    Dependency,
    DependencyKind,
    DependencyResult,
)
from pycustoms.audit.settings import AuditSettings, Ignore
from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.types import Finding, Verdict
from pycustoms.vulns.analyze import advisory_findings
from pycustoms.vulns.interface import Query, VulnerabilitySource
from pycustoms.vulns.match import merge, to_advisory

WORKERS = 8


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """How to run an audit (beyond policy and settings)."""

    trusted_hosts: tuple[str, ...] = ()
    allow_unverified: bool = False
    today: date | None = None
    config_source: str = "configuration"
    # The local database the audit read (shown in every report), `None` when none.
    database: str | None = None


def _lookup(
    deps: Sequence[Dependency], sources: Sequence[VulnerabilitySource]
) -> tuple[dict[Query, list[Advisory]], dict[Query, list[str]]]:
    queries = sorted({Query(d.name, d.version) for d in deps if d.version is not None})
    found: dict[Query, list[Advisory]] = {q: [] for q in queries}
    failed: dict[Query, list[str]] = {}
    for source in sources:
        answer = source.query(queries)
        for query in queries:
            # Both at once: records known to affect it, from an incomplete answer.
            if query in answer.found:
                found[query] += [to_advisory(r) for r in answer.found[query]]
            if query in answer.failed or query not in answer.found:
                reason = answer.failed.get(query, "no answer")
                failed.setdefault(query, []).append(f"{source.name}: {reason}")
    return {q: merge(a) for q, a in found.items()}, failed


def _ids_of(finding: Finding, advisories: Sequence[Advisory]) -> frozenset[str]:
    for advisory in advisories:
        if finding.snippet == advisory.id:
            return advisory.ids()
    return frozenset()


def _apply_ignores(
    findings: list[Finding], advisories: list[Advisory], dep: Dependency, ignores: Sequence[Ignore]
) -> tuple[list[Finding], list[Finding], list[Advisory]]:
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for finding in findings:
        ids = _ids_of(finding, advisories)
        if any(i.covers(ids, finding.rule, dep.name) for i in ignores):
            dropped.append(finding)
        else:
            kept.append(finding)
    gone = {f.snippet for f in dropped}
    return kept, dropped, [a for a in advisories if a.id not in gone]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the sources and the index said, shared by every dependency's judgement."""

    advisories: dict[Query, list[Advisory]]
    failed: dict[Query, list[str]]
    outcomes: dict[tuple[str, str], IndexOutcome]
    index_used: bool


def run_audit(
    inputs: Sequence[AuditInput],
    *,
    policy: Policy,
    settings: AuditSettings,
    sources: Sequence[VulnerabilitySource],
    index: IndexChecker | None,
    options: AuditOptions,
) -> AuditReport:
    """Check every dependency of *inputs*; nothing that could not be checked is called clean."""
    today = options.today or date.today()
    active = tuple(i for i in settings.ignores if i.expires >= today)
    deps = [d for item in inputs for d in item.dependencies]
    advisories, failed = _lookup(deps, sources)
    checkable = [d for d in deps if d.kind is DependencyKind.REGISTRY and d.version is not None]
    outcomes: dict[tuple[str, str], IndexOutcome] = {}
    if index is not None:
        unique = list({d.key: d for d in checkable}.values())
        # The first check runs alone: the analyzers build their tables (the names
        # corpus) on first use, and eight threads racing there each built a copy
        # (~400 MB more peak memory for a 150-package lock).
        if unique:
            outcomes[unique[0].key] = index.check(unique[0])
        with ThreadPoolExecutor(WORKERS) as pool:
            outcomes.update(
                zip([d.key for d in unique[1:]], pool.map(index.check, unique[1:]), strict=True)
            )
    facts = _Facts(advisories, failed, outcomes, index is not None)
    results = [
        _judge(item, dep, facts, policy=policy, settings=settings, ignores=active)
        for item in inputs
        for dep in item.dependencies
    ]
    input_verdicts: list[tuple[str, Verdict]] = []
    for item in inputs:
        found = list(item.findings) + index_findings(
            item.indexes, item.dependencies, policy, options.trusted_hosts
        )
        input_verdicts.append((item.path, decide(found, policy)))
    expired = expired_ignores(settings.ignores, today, options.config_source)
    if expired:
        input_verdicts.append((options.config_source, decide(expired, policy)))
    return AuditReport(
        inputs=tuple(inputs),
        results=tuple(results),
        input_verdicts=tuple(input_verdicts),
        sources=tuple(s.name for s in sources),
        allow_unverified=options.allow_unverified,
        database=options.database,
        source_status=tuple(status for s in sources if (status := s.status()) is not None),
    )


def _undetermined(dep: Dependency, index_used: bool) -> list[str]:
    """The checks that cannot apply to *dep* as stated, said plainly (not a failure)."""
    if dep.kind is not DependencyKind.REGISTRY:
        return [f"vulnerabilities: not determined for a {dep.kind.value} requirement"]
    stated = dep.specifier or "any version"
    out = [f"vulnerabilities: not determined for {stated} (a range, not one version)"]
    if index_used:
        out.append(f"index: hashes and release risk not determined for {stated}")
    return out


def _judge(
    item: AuditInput,
    dep: Dependency,
    facts: _Facts,
    *,
    policy: Policy,
    settings: AuditSettings,
    ignores: Sequence[Ignore],
) -> DependencyResult:
    findings = pin_findings(dep, item.format)
    unverified: list[str] = []
    undetermined: list[str] = []
    found: list[Advisory] = []
    if dep.version is None:
        undetermined += _undetermined(dep, facts.index_used)
    else:
        query = Query(dep.name, dep.version)
        found = facts.advisories.get(query, [])
        unverified += facts.failed.get(query, [])
        findings += advisory_findings(dep, found)
    # No outcome with the index in use means the dependency was not checkable
    # there (URL, VCS, range), which `undetermined` already says.
    outcome = facts.outcomes.get(dep.key) if dep.version is not None else None
    license = dep.license
    if outcome is not None:
        findings += outcome.findings
        unverified += outcome.unverified
        license = license or outcome.license
        if outcome.license_error and (settings.licenses_allow or settings.licenses_deny):
            unverified.append(outcome.license_error)
    findings += license_findings(dep, license, settings)
    kept, dropped, shown = _apply_ignores(findings, found, dep, ignores)
    return DependencyResult(
        dependency=dep,
        verdict=decide(kept, policy),
        advisories=tuple(shown),
        unverified=tuple(unverified),
        ignored=tuple(dropped),
        license=license,
        undetermined=tuple(undetermined),
    )
