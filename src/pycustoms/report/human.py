"""Human output: a summary table and the findings behind each warn/block verdict.

With *verbose*, the findings behind an `allow` with a score are shown too (a
score below the warn threshold is still a reason to look); with *quiet*, only
one line per target: its decision and path, separated by a tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pycustoms.report.console import data_console
from pycustoms.report.paths import relative
from pycustoms.types import Decision, ScanResult, Severity

DECISION_STYLE = {Decision.ALLOW: "green", Decision.WARN: "yellow", Decision.BLOCK: "bold red"}
SEVERITY_STYLE = {
    Severity.INFO: "dim",
    Severity.LOW: "cyan",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "red",
    Severity.CRITICAL: "bold red",
}
MAX_FINDINGS_SHOWN = 12


def _has_details(result: ScanResult, *, verbose: bool) -> bool:
    """Warn and block always; an allow with a score or findings above info only with -v."""
    if result.verdict.decision is not Decision.ALLOW:
        return True
    if not verbose:
        return False
    return result.verdict.score > 0 or any(
        f.severity > Severity.INFO for f in result.verdict.findings
    )


def _details(console: Console, result: ScanResult, base: Path) -> None:
    decision = result.verdict.decision
    console.print()
    reasons = "; ".join(result.verdict.reasons) or "below the warn score"
    console.print(
        f"[{DECISION_STYLE[decision]}]{decision.value.upper()}[/] "
        f"{escape(relative(result.target, base))} "
        f"(score {result.verdict.score}; {escape(reasons)})"
    )
    shown = [f for f in result.verdict.findings if f.severity > Severity.INFO]
    for finding in shown[:MAX_FINDINGS_SHOWN]:
        where = finding.file or ""
        if finding.line:
            where += f":{finding.line}"
        style = SEVERITY_STYLE[finding.severity]
        console.print(
            f"  [{style}]{finding.severity.label:8}[/] {escape(finding.rule):32} "
            f"{escape(where)}\n           {escape(finding.message)}"
        )
        if finding.snippet:
            console.print(f"           [dim]{escape(finding.snippet[:160])}[/dim]")
    if len(shown) > MAX_FINDINGS_SHOWN:
        more = len(shown) - MAX_FINDINGS_SHOWN
        console.print(f"  ... and {more} more (use --format json for all)")


def render(
    results: Sequence[ScanResult],
    out: IO[str],
    *,
    base: Path,
    verbose: bool = False,
    quiet: bool = False,
) -> None:
    """Print a table of verdicts, then details for every target that is not allowed."""
    if quiet:
        out.writelines(f"{r.verdict.decision.value}\t{relative(r.target, base)}\n" for r in results)
        return
    console = data_console(out)
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("verdict")
    table.add_column("score", justify="right")
    table.add_column("target", overflow="fold")
    table.add_column("capabilities", overflow="fold")
    for result in results:
        decision = result.verdict.decision
        table.add_row(
            f"[{DECISION_STYLE[decision]}]{decision.value}[/]",
            str(result.verdict.score),
            escape(relative(result.target, base)),
            ", ".join(sorted(c.value for c in result.capabilities)) or "-",
        )
    console.print(table)
    for result in results:
        if _has_details(result, verbose=verbose):
            _details(console, result, base)
    counts = {d: sum(r.verdict.decision is d for r in results) for d in Decision}
    console.print()
    console.print(
        f"{len(results)} target(s): {counts[Decision.ALLOW]} allow, "
        f"{counts[Decision.WARN]} warn, {counts[Decision.BLOCK]} block"
    )
    quiet_allows = sum(
        not _has_details(r, verbose=verbose) and _has_details(r, verbose=True) for r in results
    )
    if quiet_allows:
        console.print(
            f"[dim]{quiet_allows} allowed target(s) have findings below the warn score; "
            "-v shows them[/dim]"
        )
