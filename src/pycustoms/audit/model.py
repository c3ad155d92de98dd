"""The shapes that flow through the audit: dependencies read from inputs, and their results."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pycustoms.types import Finding, ProjectName, Verdict

if TYPE_CHECKING:
    from pycustoms.vulns.interface import SourceStatus


class InputFormat(enum.StrEnum):
    """The formats `pycustoms audit` reads (values are the `--input-format` choices)."""

    REQUIREMENTS = "requirements"
    PYLOCK = "pylock"
    UVLOCK = "uv-lock"
    POETRY = "poetry-lock"
    PIPFILE = "pipfile-lock"
    PDM = "pdm-lock"
    PYPROJECT = "pyproject"
    ENVIRONMENT = "environment"


# The formats of files (`--input-format` choices); environments come with `--env`.
FILE_FORMATS = tuple(f for f in InputFormat if f is not InputFormat.ENVIRONMENT)


class DependencyKind(enum.StrEnum):
    """Where a dependency comes from; only `registry` ones can be checked against an index."""

    REGISTRY = "registry"
    URL = "url"
    VCS = "vcs"
    EDITABLE = "editable"
    DIRECTORY = "directory"


@dataclass(frozen=True, slots=True)
class LockedFile:
    """One distribution file a lock names, with the hashes it records (algorithm -> hex)."""

    filename: str | None
    url: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One dependency as an input states it.

    `version` is set only for an exact pin (`==X`, a lock entry, an installed
    distribution); `specifier` holds the range otherwise. `hashes` are
    `algorithm:hex` strings the input allows for it (from `--hash` or lock files).
    `line` is the 1-based line of the dependency in `source` when known.
    """

    name: ProjectName
    display_name: str
    source: str
    line: int | None = None
    version: str | None = None
    specifier: str | None = None
    marker: str | None = None
    kind: DependencyKind = DependencyKind.REGISTRY
    url: str | None = None
    hashes: tuple[str, ...] = ()
    files: tuple[LockedFile, ...] = ()
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    index: str | None = None
    license: str | None = None
    direct: bool = True

    @property
    def pinned(self) -> bool:
        """True when the input names one exact version."""
        return self.version is not None

    @property
    def key(self) -> tuple[str, str]:
        """Name and version (empty when unpinned): what vulnerability sources are asked about."""
        return (self.name, self.version or "")

    def all_hashes(self) -> frozenset[str]:
        """Every `algorithm:hex` this dependency allows, from the line and from its files."""
        found = {h.lower() for h in self.hashes}
        for item in self.files:
            found |= {f"{k.lower()}:{v.lower()}" for k, v in item.hashes.items()}
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class IndexSetting:
    """An index URL configured by an input (`--index-url`, a lock's source), with its place."""

    url: str
    option: str
    source: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AuditInput:
    """What one input yields: its dependencies, index settings and problems of its own."""

    path: str
    format: InputFormat
    dependencies: tuple[Dependency, ...]
    indexes: tuple[IndexSetting, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Advisory:
    """A known vulnerability (or malicious-package report) that affects one dependency.

    `aliases` holds every other id it is known by (PYSEC, GHSA, CVE ...) after merging.
    """

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: int
    severity_label: str
    score: str | None = None
    fixed: tuple[str, ...] = ()
    url: str | None = None

    @property
    def malicious(self) -> bool:
        """True for OSV `MAL-` reports: the package itself is malware."""
        return self.id.startswith("MAL-") or any(a.startswith("MAL-") for a in self.aliases)

    def ids(self) -> frozenset[str]:
        """This advisory's id and every alias."""
        return frozenset((self.id, *self.aliases))

    def snippet_match(self, finding: Finding) -> bool:
        """True if *finding* reports this advisory (its snippet is the advisory id)."""
        return finding.snippet == self.id


@dataclass(frozen=True, slots=True)
class DependencyResult:
    """Everything the audit concluded about one dependency.

    `unverified` names the checks that could not be completed because a selected
    source failed (fail closed: the CLI exits 3 unless `--allow-unverified`).
    `undetermined` names the checks that cannot apply to what the input states (a
    range has no one version to look up): reported, never called clean, but not
    a failure to complete. `ignored` are findings dropped by a configured ignore,
    kept for the record.
    """

    dependency: Dependency
    verdict: Verdict
    advisories: tuple[Advisory, ...] = ()
    unverified: tuple[str, ...] = ()
    ignored: tuple[Finding, ...] = ()
    license: str | None = None
    undetermined: tuple[str, ...] = ()

    @property
    def not_checked(self) -> tuple[str, ...]:
        """Every check without an answer: failed ones, then undetermined ones."""
        return (*self.unverified, *self.undetermined)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The whole audit: one result per dependency plus findings about the inputs themselves."""

    inputs: tuple[AuditInput, ...]
    results: tuple[DependencyResult, ...]
    input_verdicts: tuple[tuple[str, Verdict], ...] = ()
    sources: tuple[str, ...] = ()
    allow_unverified: bool = False
    # Coverage and age of the sources that keep a local copy (the offline database).
    source_status: tuple[SourceStatus, ...] = ()
    # The local database read for advisories and publisher history (its file for
    # SQLite), `None` when the audit read none.
    database: str | None = None

    @property
    def unverified(self) -> list[DependencyResult]:
        """Results with at least one check that a failing source could not complete."""
        return [r for r in self.results if r.unverified]

    @property
    def undetermined(self) -> list[DependencyResult]:
        """Results with checks that do not apply to a range, URL or local requirement."""
        return [r for r in self.results if r.undetermined]
