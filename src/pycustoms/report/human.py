"""Human output: a summary table and the findings behind each warn/block verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

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


def render(results: Sequence[ScanResult], out: IO[str], *, base: Path) -> None:
    """Print a table of verdicts, then details for every target that is not allowed."""
    console = Console(file=out, highlight=False, soft_wrap=False)
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
        if result.verdict.decision is Decision.ALLOW:
            continue
        decision = result.verdict.decision
        console.print()
        console.print(
            f"[{DECISION_STYLE[decision]}]{decision.value.upper()}[/] "
            f"{escape(relative(result.target, base))} "
            f"(score {result.verdict.score}; {escape('; '.join(result.verdict.reasons))})"
        )
        shown = [f for f in result.verdict.findings if f.severity > Severity.INFO]
        for finding in shown[:MAX_FINDINGS_SHOWN]:
            where = finding.file or ""
            if finding.line:
                where += f":{finding.line}"
            style = SEVERITY_STYLE[finding.severity]
            console.print(
                f"  [{style}]{finding.severity.label:8}[/] {finding.rule:32} "
                f"{escape(where)}\n           {escape(finding.message)}"
            )
            if finding.snippet:
                console.print(f"           [dim]{escape(finding.snippet[:160])}[/dim]")
        if len(shown) > MAX_FINDINGS_SHOWN:
            more = len(shown) - MAX_FINDINGS_SHOWN
            console.print(f"  ... and {more} more (use --format json for all)")
    counts = {d: sum(r.verdict.decision is d for r in results) for d in Decision}
    console.print()
    console.print(
        f"{len(results)} target(s): {counts[Decision.ALLOW]} allow, "
        f"{counts[Decision.WARN]} warn, {counts[Decision.BLOCK]} block"
    )
