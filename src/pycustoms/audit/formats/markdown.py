"""`--format markdown`: a summary table for a pull-request comment."""

from __future__ import annotations

from typing import IO

from pycustoms.audit.model import AuditReport
from pycustoms.types import Severity


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: AuditReport, out: IO[str]) -> None:
    """Findings grouped by severity, then what could not be checked."""
    checked = len(report.results)
    rows: list[tuple[int, str]] = []
    for r in report.results:
        d = r.dependency
        for f in r.verdict.findings:
            if f.severity < Severity.LOW:
                continue
            fix = next((", ".join(a.fixed) for a in r.advisories if a.snippet_match(f)), "")
            rows.append(
                (
                    -int(f.severity),
                    f"| {f.severity.label} | `{d.name}` | {_cell(d.version or d.specifier or '')} "
                    f"| `{f.rule}` | {_cell(f.message)} | {fix} |",
                )
            )
    rows.extend(
        (-int(f.severity), f"| {f.severity.label} | {path} | | `{f.rule}` | {_cell(f.message)} | |")
        for path, verdict in report.input_verdicts
        for f in verdict.findings
    )
    sources = ", ".join(report.sources) or "none"
    out.write(f"## pycustoms audit\n\n{checked} dependencies, sources: {sources}\n\n")
    if report.database is not None:
        out.write(f"database: {_cell(report.database)}\n\n")
    for status in report.source_status:
        out.write(f"{_cell(status.describe())}\n\n")
    if rows:
        out.write("| severity | package | version | rule | finding | fixed in |\n")
        out.write("|---|---|---|---|---|---|\n")
        for _, row in sorted(rows):
            out.write(row + "\n")
    else:
        out.write("No findings at low severity or above.\n")
    if report.unverified:
        label = (
            "not checked (allowed by --allow-unverified)"
            if report.allow_unverified
            else "not checked"
        )
        out.write(f"\n### {label}\n\n")
        for r in report.unverified:
            out.write(
                f"- `{r.dependency.name}` {r.dependency.version or ''}: {'; '.join(r.unverified)}\n"
            )
    if report.undetermined:
        out.write(
            "\n### not determined\n\nNo exact version, so vulnerabilities were not looked up; "
            "lock these to audit them fully.\n\n"
        )
        for r in report.undetermined:
            d = r.dependency
            stated = _cell(d.specifier or d.url or "")
            out.write(f"- `{d.name}` {stated}: {'; '.join(r.undetermined)}\n")
