"""`uv.lock`: uv's universal lock (`[[package]]` with `source`, `sdist`, `wheels`)."""

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
    "path": DependencyKind.DIRECTORY,
    "directory": DependencyKind.DIRECTORY,
    "editable": DependencyKind.EDITABLE,
    "virtual": DependencyKind.EDITABLE,
}


def parse_uv_lock(document: Mapping[str, Any], text: str, source: str) -> AuditInput:
    """Dependencies of a parsed `uv.lock`. The project itself (editable/virtual) is kept as such."""
    if not isinstance(document.get("version"), int):
        raise TargetError(f"{source}: no lock `version`; is this a uv.lock?")
    lock = LockCollector(source, InputFormat.UVLOCK)
    for entry, name, line in named_packages(document, "package", source, LineFinder(text)):
        raw_origin = entry.get("source")
        origin: Mapping[str, Any] = raw_origin if isinstance(raw_origin, Mapping) else {}
        kind, url, index = DependencyKind.REGISTRY, None, None
        for key, value in origin.items():
            if key == "registry":
                index = str(value)
            elif key in _SOURCE_KINDS:
                kind, url = _SOURCE_KINDS[key], str(value)
        lock.index(index, "registry", line)
        version = entry.get("version")
        lock.add(
            name,
            line,
            version=str(version) if version is not None else None,
            kind=kind,
            url=url,
            files=locked_files(entry, "wheels", ("sdist",), hash_key="hash"),
            index=index,
        )
    return lock.result()


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
