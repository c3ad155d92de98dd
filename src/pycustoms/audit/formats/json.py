"""`--format json`: every dependency with its verdict, advisories, licence and unchecked parts.

The document is `pycustoms/audit/1` (see docs/json.md); verdicts and findings
have the shape every command's JSON shares (`pycustoms.report.document`).
"""

from __future__ import annotations

import json
from typing import IO, Any

from pycustoms.audit.model import Advisory, AuditReport, DependencyResult
from pycustoms.report.document import document, finding_json, verdict_json


def advisory_json(a: Advisory) -> dict[str, Any]:
    """One merged advisory as JSON."""
    return {
        "id": a.id,
        "aliases": list(a.aliases),
        "summary": a.summary,
        "severity": a.severity_label,
        "score": a.score,
        "fixed": list(a.fixed),
        "malicious": a.malicious,
        "url": a.url,
    }


def result_json(r: DependencyResult) -> dict[str, Any]:
    """One dependency's result as JSON; `status` is `unverified` when a check has no answer.

    `unverified` lists every check without an answer; `failed` only those a
    selected source could not complete (the ones that make the audit exit 3).
    """
    d = r.dependency
    return {
        "name": d.name,
        "version": d.version,
        "specifier": d.specifier,
        "kind": d.kind.value,
        "source": d.source,
        "line": d.line,
        "license": r.license,
        "hashes": sorted(d.all_hashes()),
        "status": "unverified" if r.not_checked else "checked",
        "unverified": list(r.not_checked),
        "failed": list(r.unverified),
        "verdict": verdict_json(r.verdict),
        "advisories": [advisory_json(a) for a in r.advisories],
        "ignored": [finding_json(f) for f in r.ignored],
    }


def to_json(report: AuditReport) -> dict[str, Any]:
    """The whole report as one JSON document."""
    body = {
        "sources": list(report.sources),
        "database": report.database,
        "vulnerability_databases": [s.to_json() for s in report.source_status],
        "inputs": [{"path": i.path, "format": i.format.value} for i in report.inputs],
        "allow_unverified": report.allow_unverified,
        "unverified": sum(1 for r in report.results if r.not_checked),
        "failed": len(report.unverified),
        "dependencies": [result_json(r) for r in report.results],
        "input_findings": [
            {"path": path, "verdict": verdict_json(v)} for path, v in report.input_verdicts
        ],
    }
    return document("audit", body)


def render(report: AuditReport, out: IO[str]) -> None:
    """Write the JSON report."""
    json.dump(to_json(report), out, indent=2)
    out.write("\n")
