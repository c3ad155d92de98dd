"""The messages between a replica and a worker: a scan job and its result, as JSON.

Only JSON crosses the broker (Celery's pickle is refused on both sides): whoever
can write to Redis must not be able to run code on a worker or a replica. Every
value read back is checked and rebuilt into the project's own types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from pycustoms.config import Policy
from pycustoms.types import Capability, Decision, Finding, ScanResult, Severity, Verdict

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class JobFormatError(ValueError):
    """A message on the queue is not a well-formed scan job or result."""


@dataclass(frozen=True, slots=True)
class ScanJob:
    """One file to scan: where a worker reads it, the sha256 it must have, how to judge it.

    *source* is a location the worker can read: a local path (a store on a disk
    the worker shares) or an `s3://bucket/key` URL (the staging key of the S3
    store). The worker verifies *sha256* on the bytes it scans.
    """

    sha256: str
    filename: str
    source: str
    policy: Policy
    secrets: bool = False

    def __post_init__(self) -> None:
        if not _HEX64.match(self.sha256):
            raise JobFormatError(f"{self.sha256!r} is not a sha256 hex digest")
        if not self.filename or "/" in self.filename or self.filename in (".", ".."):
            raise JobFormatError(f"{self.filename!r} is not a bare file name")
        if not self.source:
            raise JobFormatError("the job names no source")

    def to_json(self) -> dict[str, Any]:
        """The job as a JSON object."""
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "source": self.source,
            "policy": policy_json(self.policy),
            "secrets": self.secrets,
        }

    @classmethod
    def from_json(cls, data: Any) -> ScanJob:
        """Rebuild a job; `JobFormatError` if anything is missing or of the wrong type."""
        try:
            return cls(
                sha256=_text(data["sha256"]),
                filename=_text(data["filename"]),
                source=_text(data["source"]),
                policy=policy_from_json(data["policy"]),
                secrets=bool(data.get("secrets", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, JobFormatError):
                raise
            raise JobFormatError(f"not a scan job: {exc!r}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise JobFormatError(f"expected text, got {type(value).__name__}")
    return value


def policy_json(policy: Policy) -> dict[str, Any]:
    """*policy* as JSON (enums by value, tuples as lists)."""
    out: dict[str, Any] = {}
    for item in fields(Policy):
        value = getattr(policy, item.name)
        if item.name == "severity_overrides":
            value = [[rule, severity.label] for rule, severity in value]
        elif isinstance(value, Severity):
            value = value.label
        elif isinstance(value, Decision):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[item.name] = value
    return out


def policy_from_json(data: Any) -> Policy:
    """The `Policy` of `policy_json` (every field required: none is guessed)."""
    if not isinstance(data, dict):
        raise JobFormatError("the policy is not an object")
    values: dict[str, Any] = {}
    for item in fields(Policy):
        raw = data[item.name]
        default = getattr(Policy(), item.name)
        if item.name == "severity_overrides":
            values[item.name] = tuple((_text(r), Severity.parse(_text(s))) for r, s in raw)
        elif isinstance(default, Severity):
            values[item.name] = Severity.parse(_text(raw))
        elif isinstance(default, Decision):
            values[item.name] = Decision(_text(raw))
        elif isinstance(default, tuple):
            values[item.name] = tuple(_text(v) for v in raw)
        elif isinstance(default, int) and not isinstance(default, bool):
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise JobFormatError(f"policy {item.name} is not an integer")
            values[item.name] = raw
        else:
            raise JobFormatError(f"policy field {item.name} has no JSON form")  # a new kind
    return Policy(**values)


def result_json(result: ScanResult) -> dict[str, Any]:
    """A scan result as JSON (the target's path is the worker's own: not sent)."""
    verdict = result.verdict
    return {
        "decision": verdict.decision.value,
        "score": verdict.score,
        "reasons": list(verdict.reasons),
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.label,
                "message": f.message,
                "file": f.file,
                "line": f.line,
                "snippet": f.snippet,
                "confidence": f.confidence,
            }
            for f in verdict.findings
        ],
        "capabilities": sorted(c.value for c in result.capabilities),
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "error": result.error,
    }


def result_from_json(data: Any, target: str) -> ScanResult:
    """The `ScanResult` of `result_json`, for *target* (the replica's name for the file)."""
    try:
        findings = tuple(
            Finding(
                rule=_text(f["rule"]),
                severity=Severity.parse(_text(f["severity"])),
                message=_text(f["message"]),
                file=f["file"] if f["file"] is None else _text(f["file"]),
                line=None if f["line"] is None else int(f["line"]),
                snippet=f["snippet"] if f["snippet"] is None else _text(f["snippet"]),
                confidence=float(f["confidence"]),
            )
            for f in data["findings"]
        )
        verdict = Verdict(
            decision=Decision(_text(data["decision"])),
            score=int(data["score"]),
            findings=findings,
            reasons=tuple(_text(r) for r in data["reasons"]),
        )
        error = data["error"]
        return ScanResult(
            target=target,
            verdict=verdict,
            capabilities=frozenset(Capability(_text(c)) for c in data["capabilities"]),
            files_scanned=int(data["files_scanned"]),
            bytes_scanned=int(data["bytes_scanned"]),
            error=None if error is None else _text(error),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, JobFormatError):
            raise
        raise JobFormatError(f"not a scan result: {exc!r}") from None
