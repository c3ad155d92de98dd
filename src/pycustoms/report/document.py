"""The parts every `--format json` document shares: its schema name, a verdict, a finding.

Every JSON document a command prints is one object whose `schema` names the
command and the version of its shape (`pycustoms/scan/1`); a change that
removes or renames a key raises the version. A verdict has one shape wherever it
appears (`verdict_json`), and so has a finding (`finding_json`). docs/json.md
describes each command's document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pycustoms.types import Finding, Verdict

SCHEMA_VERSION = 1


def schema(command: str, version: int = SCHEMA_VERSION) -> str:
    """The `schema` value of *command*'s document, e.g. `pycustoms/check-name/1`."""
    return f"pycustoms/{command}/{version}"


def document(command: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """*body* as *command*'s document: `schema` first, then the body's keys."""
    return {"schema": schema(command), **body}


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding: rule, severity, message, file, line, snippet, confidence."""
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "snippet": finding.snippet,
        "confidence": finding.confidence,
    }


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """One verdict: decision, score, the policy's reasons and the findings behind it."""
    return {
        "decision": verdict.decision.value,
        "score": verdict.score,
        "reasons": list(verdict.reasons),
        "findings": [finding_json(f) for f in verdict.findings],
    }
