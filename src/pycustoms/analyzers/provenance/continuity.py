"""Publisher continuity: pure rules from a release's provenance and its history to findings.

A release pushed with a stolen API token carries no provenance, or names
another publisher, while the releases before it came from Trusted Publishing
(THREATS.md §2; `ultralytics` 8.3.45). An analyzer: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from pycustoms.analyzers.provenance.model import FileProvenance, Publisher, PublisherRecord, Status
from pycustoms.analyzers.provenance.settings import Mode, ProvenancePolicy
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity

RULES: tuple[Rule, ...] = (
    Rule("provenance/missing", Severity.CRITICAL, "Provenance missing",
         "Earlier releases carried valid PEP 740 provenance; files of this one do not "
         "(a release pushed with a stolen token). Blocks until approved."),
    Rule("provenance/publisher-changed", Severity.CRITICAL, "Publisher changed",
         "The release was published from a repository or workflow that no earlier "
         "release came from. Blocks until approved."),
    Rule("provenance/invalid", Severity.CRITICAL, "Provenance invalid",
         "A provenance exists but does not verify: bad signature, foreign certificate, "
         "another file or digest, or a publisher its certificate does not prove."),
    Rule("provenance/required-missing", Severity.CRITICAL, "Provenance required",
         "The project is configured to require valid provenance and a file lacks it."),
    Rule("provenance/unchecked", Severity.LOW, "Provenance not checked",
         "The provenance could not be verified here (trusted root too old, index "
         "unreachable); run `pycustoms trust update`."),
)  # fmt: skip

_BREAKS = frozenset({"provenance/missing", "provenance/publisher-changed",
                     "provenance/required-missing", "provenance/invalid"})  # fmt: skip


def _f(rule: str, message: str, file: str | None = None) -> Finding:
    declared = next(r for r in RULES if r.id == rule)
    return Finding(rule, declared.severity, message, file)


def _before(other: str, version: str) -> bool:
    """True if release *other* precedes *version* (by version; unparsable: any other release)."""
    try:
        return Version(other) < Version(version)
    except InvalidVersion:
        return other != version


def known_publishers(history: Sequence[PublisherRecord]) -> frozenset[Publisher]:
    """Every publisher that signed an earlier release."""
    return frozenset(p for record in history for p in record.publishers)


def analyze_continuity(
    project: str,
    version: str,
    files: Sequence[FileProvenance],
    history: Sequence[PublisherRecord],
    policy: ProvenancePolicy,
) -> list[Finding]:
    """Findings about *project*==*version* whose *files* were checked, given earlier *history*.

    Only releases before *version* count: an old release from before the project
    adopted Trusted Publishing stays installable once newer ones are attested.
    An approved release (`provenance-approved`) keeps its findings, at severity INFO.
    """
    if policy.mode is Mode.OFF:
        return []
    earlier = [r for r in history if _before(r.version, version)]
    attested = [r for r in earlier if r.attested]
    known = known_publishers(earlier)
    required = policy.requires(project)
    findings: list[Finding] = []
    for item in files:
        if item.status is Status.INVALID:
            findings.append(
                _f("provenance/invalid", f"{item.filename}: {item.reason}", item.filename)
            )
        elif item.status is Status.UNCHECKED:
            findings.append(
                _f("provenance/unchecked", f"{item.filename}: {item.reason}", item.filename)
            )
        elif item.status is Status.ABSENT and attested:
            last = attested[-1]
            names = ", ".join(sorted(p.label() for p in last.publishers))
            findings.append(
                _f(
                    "provenance/missing",
                    f"{item.filename} has no provenance; earlier releases had it "
                    f"(last: {last.version}, by {names})",
                    item.filename,
                )
            )
        elif (
            item.status is Status.VERIFIED
            and item.publisher is not None
            and known
            and item.publisher.key() not in {p.key() for p in known}
        ):
            before = ", ".join(sorted(p.label() for p in known))
            findings.append(
                _f(
                    "provenance/publisher-changed",
                    f"{item.filename} was published by {item.publisher.label()}; "
                    f"earlier releases by {before}",
                    item.filename,
                )
            )
        if required and item.status is not Status.VERIFIED:
            findings.append(
                _f(
                    "provenance/required-missing",
                    f"{item.filename}: {project} requires valid provenance ({item.status})",
                    item.filename,
                )
            )
    if policy.approves(project, version):
        return [
            Finding(f.rule, Severity.INFO, f"{f.message} (approved)", f.file)
            if f.rule in _BREAKS
            else f
            for f in findings
        ]
    return findings
