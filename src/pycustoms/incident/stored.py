"""Scan files kept in the server's blob store under their real names (the reader needs them)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import ScanResult


def release_of(filename: str) -> tuple[str, str] | None:
    """(normalised project, version) from a wheel or sdist filename, or `None`."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), str(version)


def scan_blob(blob: Path, filename: str, policy: Policy) -> ScanResult:
    """Scan *blob* as if it were called *filename* (linked, or copied across devices)."""
    with tempfile.TemporaryDirectory(prefix="pycustoms-rescan-") as tmp:
        target = Path(tmp) / os.path.basename(filename)  # noqa: PTH119 - a bare name
        try:
            os.link(blob, target)
        except OSError:
            shutil.copyfile(blob, target)
        return scan_target(target, policy)
