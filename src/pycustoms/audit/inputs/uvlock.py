"""`uv.lock`: uv's universal lock (`[[package]]` with `source`, `sdist`, `wheels`)."""

from __future__ import annotations

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

_SOURCE_KINDS = {
    "git": DependencyKind.VCS,
    "url": DependencyKind.URL,
    "path": DependencyKind.DIRECTORY,
    "directory": DependencyKind.DIRECTORY,
    "editable": DependencyKind.EDITABLE,
    "virtual": DependencyKind.EDITABLE,
}


def parse_uv_lock(document: Mapping[str, Any], text: str, source: str) -> AuditInput:
    """Dependencies of a parsed `uv.lock`. The project itself (editable/virtual) is kept as such."""
    if not isinstance(document.get("version"), int):
        raise TargetError(f"{source}: no lock `version`; is this a uv.lock?")
    packages = document.get("package", [])
    if not isinstance(packages, list):
        raise TargetError(f"{source}: `package` must be an array of tables")
    lines = LineFinder(text)
    deps: list[Dependency] = []
    indexes: dict[str, IndexSetting] = {}
    cursor = 0
    for number, entry in enumerate(packages, start=1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise TargetError(f"{source}: package #{number} has no name")
        name = entry["name"]
        line = lines.find(f'name = "{name}"', start=cursor)
        cursor = line or cursor
        raw_origin = entry.get("source")
        origin: Mapping[str, Any] = raw_origin if isinstance(raw_origin, Mapping) else {}
        kind, url, index = DependencyKind.REGISTRY, None, None
        for key, value in origin.items():
            if key == "registry":
                index = str(value)
            elif key in _SOURCE_KINDS:
                kind, url = _SOURCE_KINDS[key], str(value)
        if index and index not in indexes:
            indexes[index] = IndexSetting(index, "registry", source, line)
        files: list[LockedFile] = [
            item
            for wheel in entry.get("wheels", []) or []
            if isinstance(wheel, Mapping) and (item := locked_file(wheel, hash_key="hash"))
        ]
        sdist = entry.get("sdist")
        if isinstance(sdist, Mapping) and (item := locked_file(sdist, hash_key="hash")):
            files.append(item)
        version = entry.get("version")
        deps.append(
            Dependency(
                name=normalize_name(name),
                display_name=name,
                source=source,
                line=line,
                version=str(version) if version is not None else None,
                kind=kind,
                url=url,
                files=tuple(files),
                index=index,
            )
        )
    return AuditInput(source, InputFormat.UVLOCK, tuple(deps), tuple(indexes.values()))


class UvLockReader(InputReader):
    """uv's `uv.lock`."""

    format = InputFormat.UVLOCK

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Exactly `uv.lock`."""
        return filename == "uv.lock"

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        return parse_uv_lock(document, text, str(path))


READER = UvLockReader()
