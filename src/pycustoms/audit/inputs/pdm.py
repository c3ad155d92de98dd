"""`pdm.lock`: `[[package]]` tables with `files` (name + hash), groups and markers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pycustoms.audit.inputs.interface import InputReader, read_toml
from pycustoms.audit.inputs.poetry import parse_lock_packages
from pycustoms.audit.model import AuditInput, InputFormat
from pycustoms.errors import TargetError


class PdmLockReader(InputReader):
    """PDM's `pdm.lock` (lock_version 4.x)."""

    format = InputFormat.PDM

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Exactly `pdm.lock`."""
        return filename == "pdm.lock"

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        metadata = document.get("metadata")
        if not isinstance(metadata, Mapping) or "lock_version" not in metadata:
            raise TargetError(f"{path}: no [metadata] lock_version; is this a pdm.lock?")
        return parse_lock_packages(document, text, str(path), self.format)


READER = PdmLockReader()
