"""What an index says about a project, in one shape whatever the wire format.

Every field an index may leave out is `None` here ("not said"), never a guessed
default: the release analyzer turns each `None` into a known unknown.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pycustoms.types import ProjectName


class ProjectStatus(enum.StrEnum):
    """PEP 792 project status markers."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    QUARANTINED = "quarantined"
    DEPRECATED = "deprecated"

    @classmethod
    def parse(cls, text: str | None) -> ProjectStatus | None:
        """The status named by *text*; `None` for a missing or unknown marker."""
        if not text:
            return None
        try:
            return cls(text.strip().lower())
        except ValueError:
            return None


class FileKind(enum.StrEnum):
    """Distribution file kinds the analyzer tells apart."""

    WHEEL = "wheel"
    SDIST = "sdist"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IndexFile:
    """One file of a project page (PEP 503/691 plus PEP 592, 658/714, 700, 740).

    `yanked` is `False`, `True`, or the yank reason. `core_metadata` is `None`
    when the index does not say, `False` when it says there is none, else the
    hashes of the metadata file (possibly empty).
    """

    filename: str
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool | str = False
    upload_time: datetime | None = None
    size: int | None = None
    core_metadata: Mapping[str, str] | bool | None = None
    provenance: str | None = None
    # True when the index said whether provenance exists (PEP 740, JSON form).
    provenance_known: bool = False

    @property
    def sha256(self) -> str | None:
        """The lower-case sha256 the index published, if any."""
        value = self.hashes.get("sha256")
        return value.lower() if value else None

    @property
    def is_yanked(self) -> bool:
        """True if the file is yanked (with or without a reason)."""
        return self.yanked is not False

    @property
    def kind(self) -> FileKind:
        """Wheel, sdist or something else (eggs, installers)."""
        if self.filename.endswith(".whl"):
            return FileKind.WHEEL
        if self.filename.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")):
            return FileKind.SDIST
        return FileKind.OTHER

    @property
    def version(self) -> Version | None:
        """The version in the filename, or `None` when the filename cannot be parsed."""
        return _version_of(self.filename)


@functools.lru_cache(maxsize=65_536)
def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _version_of(filename: str) -> Version | None:
    """Fast paths for well-formed wheel and sdist names (pages list thousands).

    Both read the version text as packaging does and parse each distinct text once
    (`_parse_version` is cached); anything else goes through packaging.
    """
    if filename.endswith(".whl"):
        if filename.count("-") in {4, 5}:
            found = _parse_version(filename.split("-", 2)[1])
            if found is not None:
                return found
    elif filename.endswith(".tar.gz"):
        # As `parse_sdist_filename` reads it: the version follows the last dash.
        name, sep, text = filename[: -len(".tar.gz")].rpartition("-")
        if name and sep:
            return _parse_version(text)
    return _slow_version_of(filename)


def _slow_version_of(filename: str) -> Version | None:
    kind = IndexFile(filename, "").kind
    try:
        if kind is FileKind.WHEEL:
            return parse_wheel_filename(filename)[1]
        if kind is FileKind.SDIST and not filename.endswith(".tar.bz2"):
            return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return _legacy_version(filename)


def _legacy_version(filename: str) -> Version | None:
    """Best effort for names packaging will not parse (`.tar.bz2`, old eggs)."""
    stem = filename
    for suffix in (".tar.bz2", ".tar.gz", ".tgz", ".tar", ".zip", ".egg", ".exe"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for part in stem.split("-")[1:]:
        try:
            return Version(part)
        except InvalidVersion:
            continue
    return None


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """A project page of the simple API, parsed from either HTML or JSON."""

    name: ProjectName
    files: tuple[IndexFile, ...]
    # PEP 700 `versions` (JSON only); `None` when the index does not list them.
    versions: tuple[str, ...] | None = None
    status: ProjectStatus | None = None
    status_reason: str | None = None
    api_version: str | None = None
    # "json", "html" or "file" (a local PEP 503 directory).
    source: str = "html"

    def files_by_version(self) -> dict[Version, list[IndexFile]]:
        """The page's files grouped by the version in their filename."""
        grouped: dict[Version, list[IndexFile]] = {}
        for item in self.files:
            version = item.version
            if version is not None:
                grouped.setdefault(version, []).append(item)
        return grouped


@dataclass(frozen=True, slots=True)
class Role:
    """An account's role on a project (JSON API `ownership.roles`)."""

    user: str
    role: str


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """The JSON API's project document: metadata, per-release files, owners, advisories.

    `roles` and `organization` are `None` when the index does not publish them.
    """

    name: ProjectName
    latest_version: str | None
    project_urls: Mapping[str, str]
    releases: Mapping[str, tuple[IndexFile, ...]]
    roles: tuple[Role, ...] | None = None
    organization: str | None = None
    vulnerabilities: tuple[Mapping[str, object], ...] = ()
    summary: str | None = None
    # Licence facts of `info` (the latest release, or the one a per-version document is about).
    license_expression: str | None = None
    license: str | None = None
    classifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReleaseGroup:
    """One release of a page, summarised without building its `IndexFile`s.

    The fields mean what `analyzers.release.facts.summarize` computes from the
    files: upload span, provenance presence (`None`: the index does not say), and
    whether every file is yanked. `times_complete` is False when some file has no
    upload time (another source, the JSON API, may fill it in).
    """

    version: Version
    first_upload: datetime | None
    last_upload: datetime | None
    attested: bool | None
    yanked: bool
    file_count: int
    times_complete: bool
    # Every file names a provenance (the snapshot's "attested version").
    every_file_attested: bool = False


@dataclass(frozen=True, slots=True)
class FileColumns:
    """Per-file facts of a page, column by column, in page order (for `ReleaseIndex`)."""

    filenames: Sequence[str]
    upload_times: Sequence[datetime | None]
    provenance_known: Sequence[bool]
    provenance_present: Sequence[bool]
    yanked: Sequence[bool]


class ReleaseIndex:
    """A project page grouped by release once, with files built only when asked for.

    Judging a release needs every release's summary but only that release's
    files, and a page of a large project lists tens of thousands. `rows` are the
    page's entries in any form (`IndexFile`s, or a parser's raw entries) and
    `build` turns one into an `IndexFile`; `columns` holds the few facts of each
    row that the summaries need. Grouping and version order are computed once.
    """

    __slots__ = (
        "_build",
        "_files",
        "_groups",
        "_members",
        "_order",
        "_page",
        "_rows",
        "api_version",
        "name",
        "source",
        "status",
        "status_reason",
        "versions",
    )

    def __init__(
        self,
        name: ProjectName,
        rows: Sequence[object],
        build: Callable[[object], IndexFile],
        columns: FileColumns,
        *,
        versions: tuple[str, ...] | None = None,
        status: ProjectStatus | None = None,
        status_reason: str | None = None,
        api_version: str | None = None,
        source: str = "json",
    ) -> None:
        self.name = name
        self.versions = versions
        self.status = status
        self.status_reason = status_reason
        self.api_version = api_version
        self.source = source
        self._rows = rows
        self._build = build
        self._files: dict[Version, tuple[IndexFile, ...]] = {}
        self._page: ProjectPage | None = None
        members: dict[Version, list[int]] = {}
        for position, filename in enumerate(columns.filenames):
            version = _version_of(filename)
            if version is not None:
                members.setdefault(version, []).append(position)
        self._members = members
        self._groups = {v: _group(v, positions, columns) for v, positions in members.items()}
        self._order: tuple[Version, ...] = tuple(sorted(members))

    @classmethod
    def from_page(cls, page: ProjectPage) -> ReleaseIndex:
        """The index of an already parsed page (HTML, `file://`, or built by hand)."""
        files = page.files
        index = cls(
            page.name,
            files,
            _identity,
            FileColumns(
                [f.filename for f in files],
                [f.upload_time for f in files],
                [f.provenance_known for f in files],
                [f.provenance is not None for f in files],
                [f.is_yanked for f in files],
            ),
            versions=page.versions,
            status=page.status,
            status_reason=page.status_reason,
            api_version=page.api_version,
            source=page.source,
        )
        index._page = page
        return index

    def __len__(self) -> int:
        """The number of files on the page."""
        return len(self._rows)

    def __contains__(self, version: object) -> bool:
        return version in self._groups

    def ordered_versions(self) -> tuple[Version, ...]:
        """Every version with a file, oldest first."""
        return self._order

    def releases(self) -> tuple[ReleaseGroup, ...]:
        """Every release's summary, oldest version first."""
        return tuple(self._groups[v] for v in self._order)

    def release(self, version: Version) -> ReleaseGroup | None:
        """The summary of *version*, or `None` when the page has no file of it."""
        return self._groups.get(version)

    def files(self, version: Version) -> tuple[IndexFile, ...]:
        """The files of *version* in page order (built on first use); empty if none."""
        built = self._files.get(version)
        if built is None:
            rows = self._rows
            built = tuple(self._build(rows[i]) for i in self._members.get(version, ()))
            self._files[version] = built
        return built

    def files_by_version(self) -> dict[Version, list[IndexFile]]:
        """Like `ProjectPage.files_by_version` (builds every file)."""
        return {v: list(self.files(v)) for v in self._members}

    def page(self) -> ProjectPage:
        """The whole page as a `ProjectPage` (builds every file once)."""
        if self._page is None:
            self._page = ProjectPage(
                name=self.name,
                files=tuple(self._build(row) for row in self._rows),
                versions=self.versions,
                status=self.status,
                status_reason=self.status_reason,
                api_version=self.api_version,
                source=self.source,
            )
        return self._page


def _identity(row: object) -> IndexFile:
    assert isinstance(row, IndexFile)
    return row


def _group(version: Version, members: list[int], columns: FileColumns) -> ReleaseGroup:
    times = [t for t in (columns.upload_times[i] for i in members) if t is not None]
    known = [i for i in members if columns.provenance_known[i]]
    yanked = columns.yanked
    return ReleaseGroup(
        version=version,
        first_upload=min(times) if times else None,
        last_upload=max(times) if times else None,
        attested=all(columns.provenance_present[i] for i in known) if known else None,
        yanked=all(yanked[i] for i in members),
        file_count=len(members),
        times_complete=len(times) == len(members),
        every_file_attested=all(columns.provenance_present[i] for i in members),
    )
