"""`pycustoms check-name NAME...`: typosquats, combosquats and confusion, on names alone."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from pycustoms.analyzers.names import NameReport, analyze_name, default_index, is_valid_name
from pycustoms.analyzers.names.hosts import check_index_url
from pycustoms.analyzers.names.indexconf import index_options_from_requirements
from pycustoms.analyzers.names.trust import pip_trusted_hosts
from pycustoms.cli.common import (
    add_common_options,
    env_default,
    env_help,
    exit_code,
    load_policy,
    open_output,
    stderr,
)
from pycustoms.config import Policy
from pycustoms.errors import TargetError, UsageError
from pycustoms.policy import decide
from pycustoms.types import Verdict

FORMATS = ("human", "json")
_STYLE = {"allow": "green", "warn": "yellow", "block": "bold red"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `check-name` subcommand."""
    parser = sub.add_parser(
        "check-name",
        help="check project names for typosquatting, combosquatting and dependency confusion",
        description=(
            "Judge project names against the download ranking shipped with pycustoms. "
            "Exit 0 clean, 1 a verdict reached --fail-on, 2 usage error, 3 could not complete."
        ),
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="project names to check")
    parser.add_argument(
        "-r",
        "--requirement",
        type=Path,
        action="append",
        default=[Path(p) for p in (env_default("REQUIREMENT") or "").split(",") if p],
        metavar="FILE",
        help=env_help(
            "also check every name (and index option) in this requirements file; repeatable",
            "REQUIREMENT",
        ),
    )
    add_common_options(parser, FORMATS)
    parser.set_defaults(handler=run)


def names_from_requirements(text: str) -> list[str]:
    """Project names of a requirements file; option lines, URLs and paths are skipped."""
    names: list[str] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not line or line.startswith(("#", "-", ".", "/")) or "://" in line.split("@")[0]:
            continue
        head = line.split(";", 1)[0].split("@", 1)[0]
        for stop in "[<>=!~ (":
            head = head.split(stop, 1)[0]
        if head:
            names.append(head.strip())
    return names


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read {path}: {exc}; check the path") from None


def judge(names: list[str], policy: Policy) -> list[tuple[NameReport, Verdict]]:
    """Analyze each name under *policy*; pure apart from building the shared index."""
    index = default_index()
    results: list[tuple[NameReport, Verdict]] = []
    for name in names:
        report = analyze_name(
            name,
            index=index,
            internal_names=policy.internal_names,
            internal_prefixes=policy.internal_prefixes,
        )
        results.append((report, decide(report.findings, policy)))
    return results


def as_json(results: list[tuple[NameReport, Verdict]]) -> list[dict[str, Any]]:
    """The JSON array printed by `--format json`: one object per name."""
    return [
        {
            "name": report.name,
            "normalized": report.normalized,
            "verdict": verdict.decision.value,
            "imitates": report.imitates,
            "technique": report.technique.value if report.technique else None,
            "reasons": [f.message for f in verdict.findings] + list(verdict.reasons),
            "findings": [
                {"rule": f.rule, "severity": f.severity.label, "message": f.message}
                for f in verdict.findings
            ],
        }
        for report, verdict in results
    ]


def render_human(results: list[tuple[NameReport, Verdict]], out: IO[str]) -> None:
    """A rich table: name, verdict, imitated project, technique, reasons."""
    console = Console(file=out, highlight=False)
    table = Table("name", "verdict", "imitates", "technique", "reasons")
    for report, verdict in results:
        decision = verdict.decision.value
        table.add_row(
            report.name,
            f"[{_STYLE[decision]}]{decision}[/]",
            report.imitates or "",
            report.technique.value if report.technique else "",
            "\n".join(f.message for f in verdict.findings),
        )
    console.print(table)


def run(args: argparse.Namespace) -> int:
    """Check the names, print the report, return the exit code."""
    policy = load_policy(args)
    names = list(args.names)
    index_verdicts: list[Verdict] = []
    trusted: list[str] | None = None
    for path in args.requirement:
        text = _read(path)
        names += names_from_requirements(text)
        for option in index_options_from_requirements(text, str(path)):
            if trusted is None:
                trusted = pip_trusted_hosts() + list(policy.trusted_hosts)
            findings = check_index_url(option.url, trusted, source=option.source, line=option.line)
            verdict = decide(findings, policy)
            index_verdicts.append(verdict)
            for finding in verdict.findings:
                stderr().print(f"{option.source}:{option.line}: {finding.message}")
    if not names:
        raise UsageError("no names to check: give NAME arguments or -r FILE")
    invalid = [n for n in names if not is_valid_name(n)]
    if invalid:
        raise UsageError(f"not valid project names: {', '.join(map(repr, invalid))}")
    results = judge(names, policy)
    with open_output(args) as out:
        if args.format == "json":
            out.write(json.dumps(as_json(results), indent=2) + "\n")
        else:
            render_human(results, out)
    return exit_code([v for _, v in results] + index_verdicts, policy)
