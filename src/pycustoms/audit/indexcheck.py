"""Checks that need the upstream index: hashes, release risk, names, and `--deep` scans."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from packaging.version import InvalidVersion, Version

from pycustoms.analyzers.names import UpstreamFacts, analyze_name
from pycustoms.analyzers.names.facts import facts_from_index
from pycustoms.analyzers.release import ReleasePolicy, analyze_release, assemble
from pycustoms.audit.checks import BLOCKED_FILE, hash_findings
from pycustoms.audit.licenses import from_info, from_metadata_bytes
from pycustoms.audit.model import Dependency
from pycustoms.audit.provenance import AuditProvenance
from pycustoms.config import Policy
from pycustoms.errors import PycustomsError
from pycustoms.types import Decision, Finding, ScanResult, Severity
from pycustoms.upstream.client import UpstreamClient
from pycustoms.upstream.errors import NotFoundError
from pycustoms.upstream.models import IndexFile, ProjectInfo

Scanner = Callable[[IndexFile], ScanResult]


@dataclass(frozen=True, slots=True)
class IndexOutcome:
    """Findings from the index for one dependency, and what could not be checked.

    `license_error` says why the licence could not be read; it only matters (as
    an unverified check) when the configuration has licence lists.
    """

    findings: tuple[Finding, ...] = ()
    unverified: tuple[str, ...] = ()
    license: str | None = None
    license_error: str | None = None


@dataclass
class IndexChecker:
    """Runs the index-backed checks for one dependency with one client (thread-safe)."""

    client: UpstreamClient
    policy: Policy
    release_policy: ReleasePolicy
    now: datetime
    scanner: Scanner | None = None
    pages: dict[str, object] = field(default_factory=dict)
    # Publisher continuity (PEP 740) from the provenance database; `None`: not checked.
    provenance: AuditProvenance | None = None

    def check(self, dep: Dependency) -> IndexOutcome:
        """Hashes, release risk and name checks of *dep*; failures become `unverified`."""
        assert dep.version is not None
        try:
            page = self.client.project_page(dep.name)
        except NotFoundError:
            report = analyze_name(
                dep.name,
                facts=UpstreamFacts(exists=False),
                internal_names=self.policy.internal_names,
                internal_prefixes=self.policy.internal_prefixes,
                now=self.now,
            )
            return IndexOutcome(tuple(_located(report.findings, dep)))
        except PycustomsError as exc:
            return IndexOutcome(unverified=(f"index: {exc}",))
        try:
            version = Version(dep.version)
        except InvalidVersion:
            return IndexOutcome(unverified=(f"index: {dep.version!r} is not a PEP 440 version",))
        grouped = page.files_by_version()
        files = grouped.get(version)
        findings, unverified = hash_findings(dep, files)
        try:
            info = self.client.project_info(dep.name)
        except PycustomsError as exc:
            return IndexOutcome(tuple(findings), (*unverified, f"index JSON API: {exc}"))
        names = analyze_name(
            dep.name,
            facts=facts_from_index(page, info),
            internal_names=self.policy.internal_names,
            internal_prefixes=self.policy.internal_prefixes,
            now=self.now,
        )
        findings += _located(names.findings, dep)
        release = assemble(page, version, info=info) if files else None
        if release is not None:
            findings += _located(analyze_release(release, self.release_policy, self.now), dep)
        if self.provenance is not None and files:
            continuity = self.provenance.findings(
                self.client, dep.name, dep.version, files, self.now
            )
            findings += _located(continuity, dep)
        if self.scanner is not None and files:
            scanned, failed = self._deep(dep, files)
            findings += scanned
            unverified += failed
        license_text, license_error = (
            (None, None) if dep.license else self._license(dep, info, files)
        )
        return IndexOutcome(tuple(findings), tuple(unverified), license_text, license_error)

    def _license(
        self, dep: Dependency, info: ProjectInfo | None, files: list[IndexFile] | None
    ) -> tuple[str | None, str | None]:
        """The licence of the locked version, and why it could not be read (if so).

        The project's JSON API document describes its latest release, so an older
        pin asks for its own release document; an index without a JSON API (or a
        release it states no licence for) falls back to PEP 658 core metadata.
        """
        assert dep.version is not None
        try:
            if info is not None:
                own = (
                    info
                    if info.latest_version == dep.version
                    else self.client.release_info(dep.name, dep.version)
                )
                found = from_info(own) if own is not None else None
                if found:
                    return found, None
            for item in files or []:
                if item.core_metadata:
                    data = self.client.core_metadata(item)
                    if data is not None:
                        return from_metadata_bytes(data), None
        except PycustomsError as exc:
            return None, f"licence: {exc}"
        return None, None

    def _deep(self, dep: Dependency, files: list[IndexFile]) -> tuple[list[Finding], list[str]]:
        """Download every locked file (or every file of the version), verify, scan."""
        assert self.scanner is not None
        locked = {h.split(":", 1)[1] for h in dep.all_hashes() if h.startswith("sha256:")}
        chosen = [f for f in files if f.sha256 in locked] if locked else files
        findings: list[Finding] = []
        failed: list[str] = []
        for item in chosen:
            result = self.scanner(item)
            if result.error:
                failed.append(f"deep scan of {item.filename}: {result.error}")
                continue
            for f in result.verdict.findings:
                where = f"{item.filename}!{f.file}" if f.file else item.filename
                findings.append(
                    Finding(f.rule, f.severity, f.message, where, f.line, f.snippet, f.confidence)
                )
            if result.verdict.decision is Decision.BLOCK:
                findings.append(
                    Finding(
                        BLOCKED_FILE,
                        Severity.CRITICAL,
                        f"{item.filename} was blocked by the scanner: "
                        f"{'; '.join(result.verdict.reasons)}",
                        file=dep.source,
                        line=dep.line,
                        snippet=item.filename,
                    )
                )
        return findings, failed


def _located(findings: tuple[Finding, ...] | list[Finding], dep: Dependency) -> list[Finding]:
    """Findings placed at the dependency's line in its input (SARIF location)."""
    return [
        Finding(f.rule, f.severity, f.message, dep.source, dep.line, f.snippet, f.confidence)
        if f.file is None
        else f
        for f in findings
    ]
