"""PEP 751 `pylock.toml` / `pylock.*.toml`: packages with their wheels, sdist, VCS or directory."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pycustoms.audit.inputs._lockutil import locked_file
from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_toml
from pycustoms.audit.model import (
    AuditInput,
    Dependency,
    DependencyKind,
    IndexSetting,
    InputFormat,
    LockedFile,
)
from pycustoms.errors import TargetError
from pycustoms.types import normalize_name

_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")


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
    lines = LineFinder(text)
    deps: list[Dependency] = []
    indexes: dict[str, IndexSetting] = {}
    packages = document.get("packages", [])
    if not isinstance(packages, list):
        raise TargetError(f"{source}: `packages` must be an array of tables")
    cursor = 0
    for number, entry in enumerate(packages, start=1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise TargetError(f"{source}: package #{number} has no name")
        name = entry["name"]
        line = lines.find(f'name = "{name}"', start=cursor)
        cursor = line or cursor
        files: list[LockedFile] = [
            item
            for wheel in entry.get("wheels", []) or []
            if isinstance(wheel, Mapping) and (item := locked_file(wheel))
        ]
        for key in ("sdist", "archive"):
            table = entry.get(key)
            if isinstance(table, Mapping) and (item := locked_file(table)):
                files.append(item)
        kind, url = _kind(entry)
        index = entry.get("index") if isinstance(entry.get("index"), str) else None
        if index and index not in indexes:
            indexes[index] = IndexSetting(index, "index", source, line)
        version_value = entry.get("version")
        deps.append(
            Dependency(
                name=normalize_name(name),
                display_name=name,
                source=source,
                line=line,
                version=str(version_value) if version_value else None,
                marker=str(entry["marker"]) if entry.get("marker") else None,
                kind=kind,
                url=url,
                files=tuple(files),
                index=index,
            )
        )
    return AuditInput(source, InputFormat.PYLOCK, tuple(deps), tuple(indexes.values()))


class PylockReader(InputReader):
    """PEP 751 lock files."""

    format = InputFormat.PYLOCK

    @classmethod
    def matches(cls, filename: str) -> bool:
        """`pylock.toml` and `pylock.<name>.toml`."""
        return bool(_NAME.match(filename))

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        return parse_pylock(document, text, str(path))


READER = PylockReader()
