"""The `inspect` pipeline: fetch facts about a release, analyze, decide, record a snapshot.

page, info (client) -> ReleaseFacts (+ last snapshot, + scans with deep)
    -> release findings (+ code findings, capability diff) -> policy.decide
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, sys_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from pycustoms.analyzers.release import ReleasePolicy, analyze_release, assemble
from pycustoms.config import Policy
from pycustoms.db import Database, Snapshot, last_snapshot, record_snapshot
from pycustoms.policy import decide
from pycustoms.redact import redact
from pycustoms.types import Capability, Finding, ScanResult, Verdict
from pycustoms.upstream.client import UpstreamClient
from pycustoms.upstream.errors import NotFoundError
from pycustoms.upstream.models import FileKind, IndexFile, ProjectPage, ReleaseIndex


@dataclass(frozen=True, slots=True)
class FileReport:
    """One file of the inspected release; `scan` is set with deep inspection."""

    file: IndexFile
    verified: bool = False
    scan: ScanResult | None = None


@dataclass(frozen=True, slots=True)
class Inspection:
    """The result of inspecting one release."""

    project: str
    version: str
    verdict: Verdict
    files: tuple[FileReport, ...] = ()
    index_url: str = ""
    capabilities: frozenset[Capability] = field(default_factory=frozenset)


def _python_ok(item: IndexFile, python: Version) -> bool:
    if not item.requires_python:
        return True
    try:
        return python in SpecifierSet(item.requires_python)
    except InvalidSpecifier:
        return False


def _installable(item: IndexFile, tags: frozenset[Tag], python: Version) -> bool:
    if item.is_yanked or not _python_ok(item, python):
        return False
    if item.kind is FileKind.SDIST:
        return True
    if item.kind is FileKind.WHEEL:
        try:
            return not parse_wheel_filename(item.filename)[3].isdisjoint(tags)
        except InvalidWheelFilename:
            return False
    return False


def pip_choice(
    page: ProjectPage | ReleaseIndex,
    *,
    tags: Iterable[Tag] | None = None,
    python: Version | None = None,
) -> Version | None:
    """The version `pip install NAME` would pick: newest final release with an installable file.

    Pre-releases count only when there is no final release (as pip does). Versions
    are tried newest first, so only the files of the few newest are looked at.
    """
    tag_set = frozenset(tags if tags is not None else sys_tags())
    py = python or Version(".".join(map(str, sys.version_info[:3])))
    index = page if isinstance(page, ReleaseIndex) else ReleaseIndex.from_page(page)
    newest_first = index.ordered_versions()[::-1]

    def installable(version: Version) -> bool:
        return any(_installable(f, tag_set, py) for f in index.files(version))

    final = next((v for v in newest_first if not v.is_prerelease and installable(v)), None)
    if final is not None:
        return final
    return next((v for v in newest_first if v.is_prerelease and installable(v)), None)


Scanner = Callable[[IndexFile], ScanResult]
# Verifies the release's provenance (PEP 740): continuity findings, and whether they
# replace the presence-only release check (False when nothing could be verified).
ProvenanceCheck = Callable[[ReleaseIndex, Version], tuple[Sequence[Finding], bool]]
# Presence-only release rules that a verified provenance check replaces.
_PRESENCE_RULES = frozenset({"release/attestations-missing", "release/provenance-unknown"})


def inspect_release(
    client: UpstreamClient,
    name: str,
    version: str | None,
    *,
    policy: Policy,
    release_policy: ReleasePolicy,
    now: datetime,
    db: Database | None = None,
    scanner: Scanner | None = None,
    previous_scanner: Callable[[Version, ProjectPage], frozenset[Capability] | None] | None = None,
    provenance: ProvenanceCheck | None = None,
) -> Inspection:
    """Inspect *name*==*version* (or pip's choice) under *policy* at time *now*.

    *scanner* (deep mode) downloads, verifies and scans one file; *previous_scanner*
    returns the capabilities of the release before, for the capability diff.
    *provenance* verifies attestations and replaces the presence-only check.
    """
    page = client.project_index(name)
    chosen = Version(version) if version else pip_choice(page)
    if chosen is not None and chosen not in page:
        # A cached page inside the freshness window may predate this release.
        page = client.project_index(name, refresh=True)
    if chosen is None:
        raise NotFoundError(f"{name} has no release pip could install here; name a version")
    info = client.project_info(name)
    previous = last_snapshot(db, redact(client.index_url), page.name) if db is not None else None
    reports: list[FileReport] = []
    findings: list[Finding] = []
    capabilities: frozenset[Capability] = frozenset()
    install_time: bool | None = None
    facts = assemble(page, chosen, info=info, previous_owners=previous.owners if previous else None)
    if facts is None:
        known = ", ".join(str(v) for v in page.ordered_versions()[-5:])
        raise NotFoundError(f"{page.name} has no release {chosen} (latest: {known})")
    if scanner is not None:
        for item in facts.files:
            result = scanner(item)
            reports.append(FileReport(item, verified=result.error is None, scan=result))
            findings.extend(_prefixed(result, item.filename))
            capabilities |= result.capabilities
            if item.kind is FileKind.SDIST:
                install_time = bool(install_time) or Capability.INSTALL_TIME in result.capabilities
        if previous_scanner is not None:
            findings.extend(_diff(chosen, page, capabilities, previous_scanner))
        facts = assemble(
            page,
            chosen,
            info=info,
            previous_owners=previous.owners if previous else None,
            install_time_code=install_time,
        )
        assert facts is not None
    else:
        reports = [FileReport(item) for item in facts.files]
    release_findings = analyze_release(facts, release_policy, now)
    if provenance is not None:
        checked, replaces = provenance(page, chosen)
        if replaces:
            release_findings = [f for f in release_findings if f.rule not in _PRESENCE_RULES]
        findings.extend(checked)
    findings.extend(release_findings)
    if db is not None:
        snapshot = _snapshot(redact(client.index_url), page, facts.owners, now)
        if previous is None or not snapshot.same_facts(previous):
            record_snapshot(db, snapshot)
    return Inspection(
        project=str(page.name),
        version=str(chosen),
        verdict=decide(findings, policy),
        files=tuple(reports),
        index_url=redact(client.index_url),
        capabilities=capabilities,
    )


def _prefixed(result: ScanResult, filename: str) -> list[Finding]:
    out = []
    for f in result.verdict.findings:
        where = f"{filename}!{f.file}" if f.file else filename
        out.append(Finding(f.rule, f.severity, f.message, where, f.line, f.snippet, f.confidence))
    return out


def _diff(
    chosen: Version,
    page: ReleaseIndex,
    capabilities: frozenset[Capability],
    previous_scanner: Callable[[Version, ProjectPage], frozenset[Capability] | None],
) -> list[Finding]:
    from pycustoms.analyzers.code.diff import capability_findings  # noqa: PLC0415 - deep only

    earlier = [v for v in page.ordered_versions() if v < chosen and not v.is_prerelease]
    if not earlier:
        return []
    before = max(earlier)
    old = previous_scanner(before, page.page())
    if old is None:
        return []
    return capability_findings(old, capabilities, previous=str(before))


def _snapshot(
    index_url: str, page: ReleaseIndex, owners: frozenset[str] | None, now: datetime
) -> Snapshot:
    releases = page.releases()
    known = [r for r in releases if r.attested is not None]
    attested = frozenset(str(r.version) for r in known if r.every_file_attested)
    return Snapshot(
        index_url=index_url,
        project=page.name,
        seen_at=now,
        versions=tuple(str(r.version) for r in releases),
        owners=owners,
        attested_versions=attested if known else None,
        status=page.status.value if page.status else None,
    )
