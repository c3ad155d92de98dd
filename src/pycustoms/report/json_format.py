"""`--format json`: a JSON array with one object per target."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from pycustoms.report.paths import relative
from pycustoms.types import Finding, ScanResult


def finding_dict(finding: Finding) -> dict[str, Any]:
    """The JSON form of one finding (shared with other commands' JSON output)."""
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "file": finding.file,
        "line": finding.line,
        "message": finding.message,
        "snippet": finding.snippet,
        "confidence": finding.confidence,
    }


def result_dict(result: ScanResult, base: Path) -> dict[str, Any]:
    """The JSON form of one scan result."""
    return {
        "target": relative(result.target, base),
        "verdict": result.verdict.decision.value,
        "score": result.verdict.score,
        "reasons": list(result.verdict.reasons),
        "findings": [finding_dict(f) for f in result.verdict.findings],
        "capabilities": sorted(c.value for c in result.capabilities),
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "error": result.error,
    }


def render(results: Sequence[ScanResult], out: IO[str], *, base: Path) -> None:
    """Write the JSON array."""
    json.dump([result_dict(r, base) for r in results], out, indent=2)
    out.write("\n")
