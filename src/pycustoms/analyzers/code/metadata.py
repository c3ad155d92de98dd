"""The package's declared identity, gathered while its members stream by.

`MetadataCollector.offer` is handed every member; it keeps only the few small
files that declare metadata (see `metadata_sources`). `declared()` merges them
into one `PackageMetadata`: core metadata first, then egg-info, then
`pyproject.toml`, `setup.cfg` and `setup.py`, each parsed only when the files
ranked above it left the name, the version or the dependencies unsaid.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.requirements import InvalidRequirement, Requirement

from pycustoms.analyzers.code.metadata_sources import (
    Declared,
    Reader,
    from_core_metadata,
    from_pyproject,
    from_requires_txt,
    from_setup_cfg,
    from_setup_py,
)
from pycustoms.types import PackageKind, ProjectName, normalize_name

MAX_METADATA_BYTES = 512 * 1024  # a metadata file larger than this is not read
MAX_KEPT = 16  # metadata files kept per package (a real one has at most six)
_WHEEL_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
_EGG_INFO = re.compile(r"(?:src/)?[^/]+\.egg-info/(PKG-INFO|requires\.txt)")
_BUILD_FILES: dict[str, Reader] = {
    "pyproject.toml": from_pyproject,
    "setup.cfg": from_setup_cfg,
    "setup.py": from_setup_py,
}
_BASENAMES = ("METADATA", "PKG-INFO", "requires.txt", *_BUILD_FILES)
_DEPENDENCY_WORDS = (b"install_requires", b"dependencies")


class Rank(enum.IntEnum):
    """Which file a build would believe first: core metadata, its egg-info copies, build files."""

    CORE = 0
    EGG_INFO = 1
    REQUIRES_TXT = 2
    BUILD_FILE = 3


@dataclass(frozen=True, slots=True)
class Dependency:
    """A project the package requires on every install (optional extras left out)."""

    name: ProjectName
    source: str  # the member that declares it


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    """Who the package says it is, and what it pulls in; empty fields were not declared."""

    name: str = ""
    version: str = ""
    summary: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    # The member each field was taken from, by field name (`authors` for both people fields).
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str | None:
        """The member that stated the name: where findings about the package point."""
        return self.sources.get("name")


@lru_cache(maxsize=4096)
def requirement_name(text: str) -> ProjectName | None:
    """The project an install of requirement *text* always pulls in, else None.

    None for strings that do not parse and for requirements of an extra, which
    only an explicit `pkg[extra]` installs. (Cached: the same strings recur in
    package after package, and parsing one costs tens of microseconds.)
    """
    if "extra" in text.partition(";")[2]:
        return None
    try:
        return normalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _dependencies(declared: Declared) -> tuple[Dependency, ...]:
    seen: dict[ProjectName, Dependency] = {}
    for text in declared.requirements:
        name = requirement_name(text)
        if name is not None and name not in seen:
            seen[name] = Dependency(name, declared.source)
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class _Kept:
    rank: Rank
    path: str
    read: Reader
    data: bytes


def _needed(kept: _Kept, parsed: list[Declared]) -> bool:
    """False for a file that can only repeat what better-ranked files already said."""
    named = any(d.name for d in parsed)
    required = any(d.requirements for d in parsed)
    if kept.rank is Rank.EGG_INFO:
        return not named  # egg-info's PKG-INFO is a copy of the sdist's
    if kept.rank is Rank.REQUIRES_TXT:
        return not required
    if not named or not any(d.version for d in parsed):
        return True
    # Only the dependencies are unsaid: a build file that never names them cannot say them.
    return not required and any(word in kept.data for word in _DEPENDENCY_WORDS)


@dataclass(slots=True)
class MetadataCollector:
    """Keeps the metadata files among a package's members and merges them on request.

    Files are kept as bytes (each at most `MAX_METADATA_BYTES`) and parsed in
    `declared()`, best-ranked first, only as far as a field is still missing:
    an ordinary wheel or sdist costs one header parse.
    """

    kept: list[_Kept] = field(default_factory=list)

    def offer(self, kind: PackageKind, path: str, data: bytes, depth: int) -> None:
        """Keep *path* if it is one of the own metadata files of a package of *kind*."""
        # Called for every member: one suffix test turns nearly all of them away.
        if depth != 0 or not path.endswith(_BASENAMES) or len(data) > MAX_METADATA_BYTES:
            return
        found: tuple[Rank, Reader] | None = None
        if kind is PackageKind.WHEEL:
            if _WHEEL_METADATA.fullmatch(path):
                found = (Rank.CORE, from_core_metadata)
        elif kind is PackageKind.EGG:
            if path == "EGG-INFO/PKG-INFO":
                found = (Rank.CORE, from_core_metadata)
            elif path == "EGG-INFO/requires.txt":
                found = (Rank.REQUIRES_TXT, from_requires_txt)
        elif kind in (PackageKind.SDIST, PackageKind.DIRECTORY):
            found = _source_tree_file(path)
        if found is not None and len(self.kept) < MAX_KEPT:
            self.kept.append(_Kept(found[0], path, found[1], data))

    def declared(self) -> PackageMetadata:
        """The merged record: each field from the best-ranked file that states it."""
        parsed: list[Declared] = []
        for kept in sorted(self.kept, key=lambda k: (k.rank, k.path)):
            if _needed(kept, parsed):
                parsed.append(kept.read(kept.path, kept.data))
        sources: dict[str, str] = {}

        def first(attribute: str) -> Declared | None:
            found = next((d for d in parsed if getattr(d, attribute)), None)
            if found is not None:
                sources[attribute] = found.source
            return found

        name, version, summary = first("name"), first("version"), first("summary")
        description, requires = first("description"), first("requirements")
        people = next((d for d in parsed if d.authors or d.emails), None)
        if people is not None:
            sources["authors"] = people.source
        return PackageMetadata(
            name=name.name if name else "",
            version=version.version if version else "",
            summary=summary.summary if summary else "",
            description=description.description if description else "",
            authors=people.authors if people else (),
            emails=people.emails if people else (),
            dependencies=_dependencies(requires) if requires else (),
            sources=sources,
        )


def _source_tree_file(path: str) -> tuple[Rank, Reader] | None:
    """The rank and reader of an sdist's (or source tree's) metadata file at *path*."""
    if path == "PKG-INFO":
        return Rank.CORE, from_core_metadata
    build = _BUILD_FILES.get(path)
    if build is not None:
        return Rank.BUILD_FILE, build
    found = _EGG_INFO.fullmatch(path)
    if found is None:
        return None
    if found.group(1) == "PKG-INFO":
        return Rank.EGG_INFO, from_core_metadata
    return Rank.REQUIRES_TXT, from_requires_txt
