"""`pycustoms scan TARGET...`: judge archives and source trees."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pycustoms.archive import expand_targets
from pycustoms.cli.common import (
    EXIT_INCOMPLETE,
    add_common_options,
    add_field_option,
    env_default,
    env_flag,
    env_help,
    errors,
    exit_code,
    field_of,
    load_policy,
    open_output,
    stderr,
)
from pycustoms.config import FIELDS, Policy
from pycustoms.errors import UsageError
from pycustoms.mirrors import local_mirror_wheels
from pycustoms.report import FORMATS, render
from pycustoms.scan import diff_targets, scan_targets
from pycustoms.types import ScanResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `scan` subcommand."""
    parser = sub.add_parser(
        "scan",
        help="scan wheels, sdists, eggs or source directories for malicious code",
        description=(
            "Scan distribution archives or source trees without running them. "
            "Exit 0 clean, 1 a verdict reached --fail-on, 2 usage error, 3 could not complete."
        ),
    )
    parser.add_argument("targets", nargs="*", type=Path, metavar="TARGET")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=env_default("JOBS"),
        help=env_help("parallel workers (default: number of cores)", "JOBS"),
    )
    parser.add_argument(
        "--diff",
        nargs=2,
        type=Path,
        metavar=("OLD", "NEW"),
        help="report the capabilities NEW gained over OLD (the takeover signal)",
    )
    parser.add_argument(
        "--pip-mirrors",
        action="store_true",
        help="also scan every wheel in the local file:// indexes pip is configured with",
    )
    add_field_option(parser, field_of(FIELDS, "--warn-score"), type=int)
    add_field_option(parser, field_of(FIELDS, "--block-score"), type=int)
    parser.add_argument(
        "--secrets",
        action="store_true",
        default=env_flag("SECRETS"),
        help=env_help(
            "also report live-looking secrets (tokens, keys, .pypirc/.env files): run it on "
            "your own dist/ before publishing",
            "SECRETS",
        ),
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    add_common_options(parser, FORMATS)
    parser.set_defaults(handler=run)


def _scan_with_progress(
    args: argparse.Namespace, paths: list[Path], policy: Policy
) -> list[ScanResult]:
    jobs = int(args.jobs) if args.jobs else None
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    show = sys.stderr.isatty() and not args.no_progress and len(paths) > 1
    if not show:
        return scan_targets(paths, policy, jobs=jobs, secrets=args.secrets)
    columns = (
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr(), transient=True) as progress:
        task = progress.add_task("scan", total=len(paths))
        return scan_targets(
            paths,
            policy,
            jobs=jobs,
            on_result=lambda _r: progress.advance(task),
            secrets=args.secrets,
        )


def run(args: argparse.Namespace) -> int:
    """Scan, render, and return the exit code."""
    policy = load_policy(args, warn_score=args.warn_score, block_score=args.block_score)
    if args.diff:
        if args.targets:
            raise UsageError("--diff OLD NEW takes no other targets")
        results = [diff_targets(args.diff[0], args.diff[1], policy)]
    else:
        paths = expand_targets(args.targets)
        if args.pip_mirrors:
            paths.extend(local_mirror_wheels())
        if not paths:
            raise UsageError("nothing to scan: give TARGET paths (or --pip-mirrors)")
        results = _scan_with_progress(args, paths, policy)
    with open_output(args) as out:
        render(results, args.format, out, base=Path.cwd(), verbose=args.verbose, quiet=args.quiet)
    incomplete = [r for r in results if r.error]
    for result in incomplete:
        errors().print(
            f"[red]could not scan[/red] {escape(result.target)}: {escape(result.error or '')}"
        )
    if incomplete:
        return EXIT_INCOMPLETE
    return exit_code([r.verdict for r in results], policy)
