"""`Pipfile.lock` (pipenv): JSON with `default`/`develop` sections and `_meta.sources`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pycustoms.audit.inputs._lockutil import LockCollector
from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_text
from pycustoms.audit.model import AuditInput, DependencyKind, IndexSetting, InputFormat
from pycustoms.errors import TargetError


def _kind(entry: Mapping[str, Any]) -> tuple[DependencyKind, str | None]:
    if isinstance(entry.get("git"), str):
        return DependencyKind.VCS, str(entry["git"])
    if isinstance(entry.get("file"), str):
        return DependencyKind.URL, str(entry["file"])
    if isinstance(entry.get("path"), str):
        editable = bool(entry.get("editable"))
        return DependencyKind.EDITABLE if editable else DependencyKind.DIRECTORY, entry["path"]
    return DependencyKind.REGISTRY, None


def parse_pipfile_lock(document: Mapping[str, Any], text: str, source: str) -> AuditInput:
    """Dependencies of a parsed `Pipfile.lock`."""
    meta = document.get("_meta")
    if not isinstance(meta, Mapping):
        raise TargetError(f"{source}: no _meta; is this a Pipfile.lock?")
    lines = LineFinder(text)
    sources = {
        str(s.get("name")): str(s.get("url"))
        for s in meta.get("sources", [])
        if isinstance(s, Mapping) and s.get("url")
    }
    indexes = [
        IndexSetting(url, "source", source, lines.find(f'"{url}"')) for url in sources.values()
    ]
    lock = LockCollector(source, InputFormat.PIPFILE)
    for section in ("default", "develop"):
        table = document.get(section, {})
        if not isinstance(table, Mapping):
            raise TargetError(f"{source}: {section!r} must be an object")
        start = lines.find(f'"{section}"') or 0
        for name, entry in table.items():
            if not isinstance(entry, Mapping):
                raise TargetError(f"{source}: {section}.{name} must be an object")
            pin = str(entry.get("version", ""))
            version = pin[2:] if pin.startswith("==") else None
            kind, url = _kind(entry)
            hashes = tuple(str(h).lower() for h in entry.get("hashes", []) or [])
            lock.add(
                name,
                lines.find(f'"{name}": {{', start=start),
                version=version,
                specifier=pin if pin and version is None and pin != "*" else None,
                marker=str(entry["markers"]) if entry.get("markers") else None,
                kind=kind,
                url=url,
                hashes=hashes,
                extras=tuple(entry.get("extras", []) or []),
                groups=(section,),
                index=sources.get(str(entry.get("index"))) if entry.get("index") else None,
            )
    return lock.result(indexes)


class PipfileLockReader(InputReader):
    """pipenv's `Pipfile.lock`."""

    format = InputFormat.PIPFILE

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Exactly `Pipfile.lock`."""
        return filename == "Pipfile.lock"

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        text = read_text(path)
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise TargetError(f"{path}: not valid JSON ({exc}); run `pipenv lock` again") from None
        if not isinstance(document, Mapping):
            raise TargetError(f"{path}: expected a JSON object")
        return parse_pipfile_lock(document, text, str(path))


READER = PipfileLockReader()
