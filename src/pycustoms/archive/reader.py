"""Safe, bounded reading of distribution archives and source directories.

Nothing is ever extracted to disk or executed. Members are yielded one at a time
(bytes in memory) so that peak memory is bounded by the largest member, not the
package. Hostile or malformed input becomes an `archive/unscannable` finding on
the `PackageReader`, never an exception out of `members()`, a hang, or a write.

Limits count bytes actually produced by the decompressors, never only the sizes
that headers declare: a zip member is read with a cap of the limit plus one
byte, and `zipfile` itself refuses data beyond the declared size (CRC check).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pycustoms.archive.base import (
    DUPLICATE,
    NESTED_TOO_DEEP,
    NESTED_UNSAFE,
    SYMLINK,
    UNSCANNABLE,
    Limits,
    Member,
    looks_native,
    sniff,
)
from pycustoms.archive.walk import SKIP_DIRS, ArchiveWalker
from pycustoms.errors import TargetError, UnscannableError
from pycustoms.rules import Rule
from pycustoms.types import Finding, PackageKind, Severity

__all__ = [
    "RULES",
    "EmbeddedArchives",
    "PackageReader",
    "detect_kind",
    "expand_targets",
    "nested_from_text",
    "open_package",
]


RULES: tuple[Rule, ...] = (
    Rule(
        UNSCANNABLE,
        Severity.CRITICAL,
        "Package cannot be scanned safely",
        "The package is corrupt, truncated, of an unknown format, exceeds a size, count "
        "or compression-ratio limit (archive bomb), or holds members that an installer "
        "could write outside its target (path traversal, absolute paths, links leaving "
        "the tree, device files). Such a package is not served: fail closed.",
    ),
    Rule(
        NESTED_TOO_DEEP,
        Severity.HIGH,
        "Archives nested too deeply",
        "An archive inside the package holds further archives beyond the nesting depth "
        "the scanner opens; their contents were not scanned.",
    ),
    Rule(
        NESTED_UNSAFE,
        Severity.MEDIUM,
        "Nested archive is corrupt or hostile",
        "An archive shipped inside the package is corrupt or holds hostile members "
        "(links, path traversal, device files). Installers do not unpack it, but code "
        "that does at run time is exposed; its readable members were still scanned.",
    ),
    Rule(
        SYMLINK,
        Severity.LOW,
        "Link inside the package",
        "A source tree or tar archive holds a symbolic or hard link to a place inside "
        "the tree. It was not followed; the file it points to is scanned under its own "
        "name.",
    ),
    Rule(
        DUPLICATE,
        Severity.MEDIUM,
        "Member name appears more than once",
        "Installers keep one copy (usually the last); a scanner that read only the "
        "first could be shown harmless content. Every copy was scanned.",
    ),
)

_SOURCE_MARKERS = ("setup.py", "pyproject.toml", "setup.cfg")


@dataclass(slots=True)
class PackageReader:
    """Iterates the members of one target; collects problems as it goes.

    Create with `open_package`; iterate `members()` once; then read `problems`,
    `files` (members yielded) and `bytes_read` (bytes accounted).
    """

    target: Path
    kind: PackageKind
    limits: Limits
    problems: list[Finding]
    max_binary_bytes: int | None = None
    is_binary: Callable[[str, bytes], bool] = looks_native
    files: int = 0
    bytes_read: int = 0

    def members(self) -> Iterator[Member]:
        """Yield every regular file, depth first into nested archives; never raises."""
        walker = ArchiveWalker(self.limits, self.problems, self.max_binary_bytes, self.is_binary)
        try:
            for member in walker.top(self.target, self.kind):
                self.files += 1
                yield member
        finally:
            self.bytes_read = walker.total


def detect_kind(path: Path) -> PackageKind:
    """Classify a target path by its name (and whether it is a directory)."""
    if path.is_dir():
        return PackageKind.DIRECTORY
    name = path.name.lower()
    if name.endswith(".whl"):
        return PackageKind.WHEEL
    if name.endswith(".egg"):
        return PackageKind.EGG
    if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".zip", ".tar")):
        return PackageKind.SDIST
    return PackageKind.FILE


def open_package(
    path: Path,
    limits: Limits,
    *,
    max_binary_bytes: int | None = None,
    is_binary: Callable[[str, bytes], bool] = looks_native,
) -> PackageReader:
    """Prepare to read the wheel, egg, sdist, source directory or single file at *path*.

    With *max_binary_bytes*, a member larger than that whose first bytes satisfy
    *is_binary* (default: compiled code or data with NUL bytes) is yielded with
    only its first *max_binary_bytes* bytes and `full_size` set; its full size
    still counts against the limits. Raises `TargetError` if *path* does not exist.
    """
    if not path.exists():
        raise TargetError(f"{path}: no such file or directory; check the path and retry")
    return PackageReader(path, detect_kind(path), limits, [], max_binary_bytes, is_binary)


@dataclass(frozen=True, slots=True)
class EmbeddedArchives:
    """What `nested_from_text` found: decoded members and any problems."""

    members: list[Member] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


_B64_ARCHIVE = re.compile(
    r"(?<![A-Za-z0-9+/_-])(?:UEsDB|H4sI|Qlpo|/Td6WFo)[A-Za-z0-9+/_\-\r\n]{195,}={0,2}"
)


def nested_from_text(path: str, text: str, depth: int, limits: Limits) -> EmbeddedArchives:
    """Find archives embedded as long base64 literals in the source file *path*.

    Only runs of 200 or more base64 characters that decode to zip, gzip, bzip2
    or xz magic are decoded. Each decoded blob is a member named
    ``path!base64@L<line>`` at *depth* + 1, followed by its own members.
    """
    result = EmbeddedArchives()
    walker = ArchiveWalker(limits, result.problems, None, looks_native)
    for match in _B64_ARCHIVE.finditer(text):
        run = "".join(match.group().split())
        if "-" in run or "_" in run:
            run = run.replace("-", "+").replace("_", "/")
        try:
            blob = base64.b64decode(run + "=" * (-len(run) % 4))
        except (binascii.Error, ValueError):
            continue
        if sniff(blob[:512]) is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        outer = Member(path, b"", depth)
        blob_path = f"{path}!base64@L{line}"
        if not walker.can_descend(outer):
            continue
        try:
            walker.count(blob_path)
            walker.take(len(blob), blob_path)
            member = Member(blob_path, blob, depth + 1)
            result.members.append(member)
            result.members.extend(walker.nested(member))
        except UnscannableError as exc:
            walker.fatal(str(exc), exc.member or blob_path)
            break
    return result


def expand_targets(paths: Sequence[Path]) -> list[Path]:
    """Turn command-line paths into scan targets.

    A file is itself; a directory with a source tree at its top (`setup.py`,
    `pyproject.toml`, `setup.cfg` or any `*.py`) is one target; any other
    directory becomes the archives below it (recursively, sorted), or itself if
    it holds none. Raises `TargetError` for a missing path.
    """
    targets: list[Path] = []
    for path in paths:
        if not path.exists():
            raise TargetError(f"{path}: no such file or directory; check the path and retry")
        if not path.is_dir() or _is_source_tree(path):
            found = [path]
        else:
            found = _archives_below(path) or [path]
        targets.extend(t for t in found if t not in targets)
    return targets


def _is_source_tree(path: Path) -> bool:
    if any((path / marker).is_file() for marker in _SOURCE_MARKERS):
        return True
    return any(child.suffix == ".py" and child.is_file() for child in path.iterdir())


def _archives_below(root: Path) -> list[Path]:
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            candidate = Path(current, name)
            kind = detect_kind(candidate)
            if kind in (PackageKind.WHEEL, PackageKind.EGG, PackageKind.SDIST):
                found.append(candidate)
    return sorted(found)
