"""`poetry.lock`: `[[package]]` tables with `files` (name + hash) and an optional source."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pycustoms.audit.inputs._lockutil import LockCollector, locked_files, named_packages
from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_toml
from pycustoms.audit.model import AuditInput, DependencyKind, InputFormat
from pycustoms.errors import TargetError

_SOURCE_KINDS = {
    "git": DependencyKind.VCS,
    "url": DependencyKind.URL,
    "file": DependencyKind.URL,
    "directory": DependencyKind.DIRECTORY,
}


def parse_lock_packages(
    document: Mapping[str, Any], text: str, source: str, fmt: InputFormat
) -> AuditInput:
    """Poetry and PDM share this shape: `[[package]]` with `files = [{file, hash}]`."""
    lock = LockCollector(source, fmt)
    for entry, name, line in named_packages(document, "package", source, LineFinder(text)):
        kind, url, index = _origin(entry)
        lock.index(index, "source", line)
        groups = entry.get("groups") or entry.get("category") or ()
        lock.add(
            name,
            line,
            version=str(entry["version"]) if entry.get("version") else None,
            marker=str(entry["marker"]) if entry.get("marker") else None,
            kind=kind,
            url=url,
            files=locked_files(entry, "files", hash_key="hash"),
            groups=tuple(groups) if isinstance(groups, list) else (str(groups),),
            index=index,
        )
    return lock.result()


def _origin(entry: Mapping[str, Any]) -> tuple[DependencyKind, str | None, str | None]:
    table = entry.get("source")
    if isinstance(table, Mapping):
        kind = str(table.get("type", ""))
        url = str(table.get("url")) if table.get("url") else None
        if kind in _SOURCE_KINDS:
            develop = kind == "directory" and bool(entry.get("develop"))
            return DependencyKind.EDITABLE if develop else _SOURCE_KINDS[kind], url, None
        return DependencyKind.REGISTRY, None, url
    for key, kind_of in (("git", DependencyKind.VCS), ("url", DependencyKind.URL)):
        if isinstance(entry.get(key), str):
            return kind_of, str(entry[key]), None
    if isinstance(entry.get("path"), str):
        editable = bool(entry.get("editable"))
        kind = DependencyKind.EDITABLE if editable else DependencyKind.DIRECTORY
        return kind, str(entry["path"]), None
    return DependencyKind.REGISTRY, None, None


class PoetryLockReader(InputReader):
    """Poetry's `poetry.lock`."""

    format = InputFormat.POETRY

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Exactly `poetry.lock`."""
        return filename == "poetry.lock"

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        if not isinstance(document.get("metadata"), Mapping):
            raise TargetError(f"{path}: no [metadata] table; is this a poetry.lock?")
        return parse_lock_packages(document, text, str(path), self.format)


READER = PoetryLockReader()
