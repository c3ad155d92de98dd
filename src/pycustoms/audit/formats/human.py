"""Human output: findings grouped by severity with the fix version, then what was not checked."""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pycustoms.audit.formats.grouping import GROUP_AT, listed, rows_and_groups, shape
from pycustoms.audit.model import AuditReport, Dependency, DependencyResult
from pycustoms.report.console import data_console
from pycustoms.types import Severity

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(
    report: AuditReport, out: IO[str], *, verbose: bool = False, quiet: bool = False
) -> None:
    """A table per severity (most severe first), then what was not checked.

    Repeated findings of one rule are one line each (see `grouping`); *verbose*
    lists every dependency of such a line. *quiet*: see `render_quiet`.
    """
    if quiet:
        render_quiet(report, out)
        return
    console = data_console(out)
    console.print(
        f"[bold]pycustoms audit[/bold]: {len(report.results)} dependencies from "
        f"{', '.join(i.path for i in report.inputs)}; vulnerability sources: "
        f"{', '.join(report.sources) or 'none'}"
    )
    if report.database is not None:
        console.print(f"database: {report.database}", markup=False)
    for status in report.source_status:
        console.print(status.describe(), style="yellow" if status.stale else None, markup=False)
    rows, groups = rows_and_groups(report)
    for severity in sorted({r.severity for r in rows} | {g.severity for g in groups}, reverse=True):
        style = _STYLE[severity]
        console.print(Text(severity.label, style=style))
        singles = [r for r in rows if r.severity is severity]
        if singles:
            table = Table("package", "rule", "finding", "fixed in")
            for column in (table.columns[0], table.columns[1]):
                column.overflow = "fold"
            for row in singles:
                # Text, not markup: names and messages may hold brackets (extras).
                table.add_row(*(Text(v) for v in (row.where, row.rule, row.message, row.fixed)))
            console.print(table)
        for group in (g for g in groups if g.severity is severity):
            fixed = f" (fixed in {group.fixed})" if group.fixed else ""
            console.print(
                f"{group.rule}, {len(group.dependencies)} dependencies: {group.message}{fixed}",
                markup=False,
            )
            console.print(f"  {group.names(verbose=verbose)}", markup=False)
    if not rows and not groups:
        console.print("[green]no findings[/green]")
    if report.unverified:
        label = "unverified (allowed)" if report.allow_unverified else "NOT CHECKED"
        console.print(f"[bold red]{label}[/bold red]: {len(report.unverified)} dependencies")
        _by_reason(console, report.unverified, verbose=verbose)
    if report.undetermined:
        console.print(
            f"[bold yellow]not determined[/bold yellow]: {len(report.undetermined)} dependencies "
            "name no exact version (or come from a URL or path); their vulnerabilities were "
            "not looked up. Lock them to audit them fully."
        )
        for r in report.undetermined:
            d = r.dependency
            console.print(
                f"  {d.name} {d.specifier or d.url or ''}: {'; '.join(r.undetermined)}",
                markup=False,
            )


def render_quiet(report: AuditReport, out: IO[str]) -> None:
    """One line per dependency or input with a finding above info, and per unchecked one.

    Fields are separated by tabs: the decision (or `unverified`), the dependency
    (`name version`) or input path, and the rule ids (or what was not checked).
    """
    for r in report.results:
        rules = sorted({f.rule for f in r.verdict.findings if f.severity > Severity.INFO})
        if rules:
            out.write(f"{r.verdict.decision.value}\t{_pin(r.dependency)}\t{','.join(rules)}\n")
    for path, verdict in report.input_verdicts:
        rules = sorted({f.rule for f in verdict.findings if f.severity > Severity.INFO})
        if rules:
            out.write(f"{verdict.decision.value}\t{path}\t{','.join(rules)}\n")
    for r in report.unverified:
        out.write(f"unverified\t{_pin(r.dependency)}\t{'; '.join(r.unverified)}\n")


def _pin(dep: Dependency) -> str:
    return f"{dep.name} {dep.version or ''}".rstrip()


def _by_reason(console: Console, results: list[DependencyResult], *, verbose: bool) -> None:
    """One line per dependency, or one per reason when several share it (names taken out)."""
    shared: dict[tuple[str, ...], list[DependencyResult]] = {}
    for r in results:
        shared.setdefault(tuple(shape(u, r.dependency) for u in r.unverified), []).append(r)
    for reasons, members in shared.items():
        if len(members) >= GROUP_AT:
            console.print(f"  {len(members)} dependencies: {'; '.join(reasons)}", markup=False)
            pins = [_pin(r.dependency) for r in members]
            console.print(f"    {listed(pins, verbose=verbose)}", markup=False)
        else:
            for r in members:
                console.print(f"  {_pin(r.dependency)}: {'; '.join(r.unverified)}", markup=False)
