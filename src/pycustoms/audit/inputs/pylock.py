"""PEP 751 `pylock.toml` / `pylock.*.toml`: packages with their wheels, sdist, VCS or directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.pylock import is_valid_pylock_path

from pycustoms.audit.inputs._lockutil import LockCollector, locked_files, named_packages
from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_toml
from pycustoms.audit.model import AuditInput, DependencyKind, InputFormat
from pycustoms.errors import TargetError


def _kind(entry: Mapping[str, Any]) -> tuple[DependencyKind, str | None]:
    if isinstance(entry.get("vcs"), Mapping):
        return DependencyKind.VCS, str(entry["vcs"].get("url") or entry["vcs"].get("path"))
    directory = entry.get("directory")
    if isinstance(directory, Mapping):
        editable = bool(directory.get("editable"))
        kind = DependencyKind.EDITABLE if editable else DependencyKind.DIRECTORY
        return kind, str(directory.get("path"))
    archive = entry.get("archive")
    if isinstance(archive, Mapping):
        return DependencyKind.URL, str(archive.get("url") or archive.get("path"))
    return DependencyKind.REGISTRY, None


def parse_pylock(document: Mapping[str, Any], text: str, source: str) -> AuditInput:
    """Dependencies of a parsed PEP 751 document; `TargetError` for a malformed one."""
    version = str(document.get("lock-version", ""))
    if not version.startswith("1."):
        raise TargetError(f"{source}: lock-version {version!r} is not 1.x; regenerate the lock")
    lock = LockCollector(source, InputFormat.PYLOCK)
    for entry, name, line in named_packages(document, "packages", source, LineFinder(text)):
        kind, url = _kind(entry)
        index = entry.get("index") if isinstance(entry.get("index"), str) else None
        lock.index(index, "index", line)
        version_value = entry.get("version")
        lock.add(
            name,
            line,
            version=str(version_value) if version_value else None,
            marker=str(entry["marker"]) if entry.get("marker") else None,
            kind=kind,
            url=url,
            files=locked_files(entry, "wheels", ("sdist", "archive")),
            index=index,
        )
    return lock.result()


class PylockReader(InputReader):
    """PEP 751 lock files."""

    format = InputFormat.PYLOCK

    @classmethod
    def matches(cls, filename: str) -> bool:
        """`pylock.toml` and `pylock.<name>.toml`."""
        return is_valid_pylock_path(Path(filename))

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        return parse_pylock(document, text, str(path))


READER = PylockReader()
