"""Human output: findings grouped by severity with the fix version, then what was not checked."""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.table import Table

from pycustoms.audit.model import AuditReport
from pycustoms.types import Severity

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: AuditReport, out: IO[str]) -> None:
    """A table per severity (most severe first) and the unverified list."""
    console = Console(file=out, highlight=False, soft_wrap=True)
    console.print(
        f"[bold]pycustoms audit[/bold]: {len(report.results)} dependencies from "
        f"{', '.join(i.path for i in report.inputs)}; vulnerability sources: "
        f"{', '.join(report.sources) or 'none'}"
    )
    by_severity: dict[Severity, list[tuple[str, str, str, str]]] = {}
    for r in report.results:
        d = r.dependency
        for f in r.verdict.findings:
            fix = next((", ".join(a.fixed) for a in r.advisories if a.snippet_match(f)), "")
            version = d.version or d.specifier or ""
            by_severity.setdefault(f.severity, []).append(
                (f"{d.name} {version}", f.rule, f.message, fix)
            )
    for path, verdict in report.input_verdicts:
        for f in verdict.findings:
            where = f"{path}:{f.line}" if f.line else path
            by_severity.setdefault(f.severity, []).append((where, f.rule, f.message, ""))
    for severity in sorted(by_severity, reverse=True):
        style = _STYLE[severity]
        table = Table(
            "package", "rule", "finding", "fixed in", title=f"[{style}]{severity.label}[/{style}]"
        )
        for row in by_severity[severity]:
            table.add_row(*row)
        console.print(table)
    if not by_severity:
        console.print("[green]no findings[/green]")
    if report.unverified:
        label = "unverified (allowed)" if report.allow_unverified else "NOT CHECKED"
        console.print(f"[bold red]{label}[/bold red]: {len(report.unverified)} dependencies")
        for r in report.unverified:
            console.print(
                f"  {r.dependency.name} {r.dependency.version or ''}: {'; '.join(r.unverified)}"
            )
    if report.undetermined:
        console.print(
            f"[bold yellow]not determined[/bold yellow]: {len(report.undetermined)} dependencies "
            "name no exact version (or come from a URL or path); their vulnerabilities were "
            "not looked up. Lock them to audit them fully."
        )
        for r in report.undetermined:
            d = r.dependency
            console.print(f"  {d.name} {d.specifier or d.url or ''}: {'; '.join(r.undetermined)}")
