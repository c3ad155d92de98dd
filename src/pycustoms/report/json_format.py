"""`--format json`: `{"schema": "pycustoms/scan/1", "results": [...]}`, one result per target."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pycustoms.report.document import document, verdict_json
from pycustoms.report.paths import relative
from pycustoms.types import ScanResult


def result_dict(result: ScanResult, base: Path) -> dict[str, Any]:
    """The JSON form of one scan result."""
    return {
        "target": relative(result.target, base),
        "verdict": verdict_json(result.verdict),
        "capabilities": sorted(c.value for c in result.capabilities),
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "error": result.error,
    }


def render(results: Sequence[ScanResult], out: IO[str], *, base: Path) -> None:
    """Write the document."""
    body = {"results": [result_dict(r, base) for r in results]}
    json.dump(document("scan", body), out, indent=2)
    out.write("\n")
