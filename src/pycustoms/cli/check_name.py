"""`pycustoms check-name NAME...`: typosquats, combosquats and confusion.

Names alone by default (fast, offline). With `--upstream` each name's project
page (and, where the index has one, its JSON API document) is fetched through
a bounded pool, and the facts (exists, age, release count, latest version) are
weighed too. The HTTP client is imported only then, so names-only runs do not
pay for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from pycustoms.analyzers.names import (
    NameReport,
    UpstreamFacts,
    analyze_name,
    default_index,
    is_valid_name,
)
from pycustoms.analyzers.names.hosts import check_index_url
from pycustoms.analyzers.names.indexconf import index_options_from_requirements
from pycustoms.cli.common import (
    EXIT_INCOMPLETE,
    add_allow_unverified,
    add_common_options,
    add_data_options,
    add_index_options,
    env_default,
    env_flag,
    env_help,
    errors,
    exit_code,
    load_policy,
    open_client,
    stderr,
    upstream_settings,
    write_report,
)
from pycustoms.config import Policy, load_config
from pycustoms.errors import PycustomsError, TargetError, UsageError
from pycustoms.policy import decide
from pycustoms.report.console import data_console
from pycustoms.report.document import document, verdict_json
from pycustoms.types import Decision, ProjectName, Verdict, normalize_name
from pycustoms.upstream.pipconf import pip_trusted_hosts

if TYPE_CHECKING:
    from pycustoms.upstream.client import UpstreamClient

FORMATS = ("human", "json")
# At most this many names are asked about at once; the client's pool has as many connections.
WORKERS = 10
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
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="project names to check (with --from-files: requirements files to read)",
    )
    parser.add_argument(
        "--from-files",
        action="store_true",
        default=env_flag("CHECK_NAME_FROM_FILES"),
        help=env_help(
            "read every argument as a requirements file and check the names (and index "
            "options) in it, as -r does for one file; for tools that append file names, "
            "such as pre-commit",
            "CHECK_NAME_FROM_FILES",
        ),
    )
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
    parser.add_argument(
        "--upstream",
        action="store_true",
        default=env_flag("CHECK_UPSTREAM"),
        help=env_help(
            "also ask the index about each name: missing names and days-old projects "
            "weigh in (implied by --index-url)",
            "CHECK_UPSTREAM",
        ),
    )
    add_index_options(parser, offline=True, offline_note="with --upstream")
    add_data_options(parser)
    add_allow_unverified(
        parser,
        "when the index cannot be asked about a name, judge it by name alone (marked "
        "unverified) instead of exiting 3",
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


@dataclass(frozen=True, slots=True)
class UpstreamLookup:
    """What the index said about each name, and the names it could not be asked about.

    `facts` and `failed` are keyed by normalised name; a name is in exactly one
    of them. A 404 is an answer (`exists=False`), not a failure.
    """

    facts: Mapping[ProjectName, UpstreamFacts]
    failed: Mapping[ProjectName, str]


def upstream_facts(client: UpstreamClient, name: str) -> UpstreamFacts:
    """The facts the index publishes about *name*; raises `PycustomsError` when it cannot say."""
    from pycustoms.analyzers.names.facts import facts_from_index  # noqa: PLC0415 - see top
    from pycustoms.upstream.errors import NotFoundError  # noqa: PLC0415

    try:
        page = client.project_index(name)
    except NotFoundError:
        return UpstreamFacts(exists=False)
    # `None` when the index has no JSON API (or no document for the project).
    return facts_from_index(page, client.project_info(name))


def lookup_names(
    client: UpstreamClient,
    names: Sequence[str],
    *,
    workers: int = WORKERS,
    advance: Callable[[], None] | None = None,
) -> UpstreamLookup:
    """Ask the index about every distinct name, at most *workers* at a time."""
    unique = list({normalize_name(n): n for n in names})

    def ask(name: ProjectName) -> UpstreamFacts | str:
        try:
            return upstream_facts(client, name)
        except PycustomsError as exc:
            return str(exc)
        finally:
            if advance is not None:
                advance()

    facts: dict[ProjectName, UpstreamFacts] = {}
    failed: dict[ProjectName, str] = {}
    if not unique:
        return UpstreamLookup(facts, failed)
    with ThreadPoolExecutor(max(1, min(workers, len(unique)))) as pool:
        for name, answer in zip(unique, pool.map(ask, unique), strict=True):
            if isinstance(answer, UpstreamFacts):
                facts[name] = answer
            else:
                failed[name] = answer
    return UpstreamLookup(facts, failed)


def judge(
    names: list[str], policy: Policy, lookup: UpstreamLookup | None = None
) -> list[tuple[NameReport, Verdict]]:
    """Analyze each name under *policy*, with the index's facts where *lookup* has them."""
    index = default_index()
    facts = lookup.facts if lookup is not None else {}
    results: list[tuple[NameReport, Verdict]] = []
    for name in names:
        report = analyze_name(
            name,
            index=index,
            facts=facts.get(normalize_name(name)),
            internal_names=policy.internal_names,
            internal_prefixes=policy.internal_prefixes,
        )
        results.append((report, decide(report.findings, policy)))
    return results


def _facts_json(facts: UpstreamFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    first = facts.first_release
    return {
        "exists": facts.exists,
        "first_release": first.isoformat() if first is not None else None,
        "release_count": facts.release_count,
        "latest_version": facts.latest_version,
    }


def as_json(
    results: list[tuple[NameReport, Verdict]], lookup: UpstreamLookup | None = None
) -> dict[str, Any]:
    """The `--format json` document: `results` holds one object per name.

    `upstream` holds the index's facts (`null` when names only were judged);
    `unverified` says why the index could not be asked (`null` otherwise).
    """
    facts = lookup.facts if lookup is not None else {}
    failed = lookup.failed if lookup is not None else {}
    rows = [
        {
            "name": report.name,
            "normalized": report.normalized,
            "verdict": verdict_json(verdict),
            "imitates": report.imitates,
            "technique": report.technique.value if report.technique else None,
            "upstream": _facts_json(facts.get(report.normalized)),
            "unverified": failed.get(report.normalized),
        }
        for report, verdict in results
    ]
    return document("check-name", {"results": rows})


def render_human(
    results: list[tuple[NameReport, Verdict]],
    out: IO[str],
    lookup: UpstreamLookup | None = None,
    *,
    quiet: bool = False,
) -> None:
    """A rich table: name, verdict, imitated project, technique, reasons.

    *quiet*: one line per name, its decision and the name separated by a tab
    (and `unverified` when the index could not be asked about it).
    """
    failed = lookup.failed if lookup is not None else {}
    if quiet:
        for report, verdict in results:
            mark = "\tunverified" if report.normalized in failed else ""
            out.write(f"{verdict.decision.value}\t{report.name}{mark}\n")
        return
    table = Table("name", "verdict", "imitates", "technique", "reasons")
    table.columns[0].overflow = "fold"
    table.columns[2].overflow = "fold"
    for report, verdict in results:
        decision = verdict.decision.value
        mark = " (unverified)" if report.normalized in failed else ""
        table.add_row(
            Text(report.name),
            f"[{_STYLE[decision]}]{decision}[/]{mark}",
            report.imitates or "",
            report.technique.value if report.technique else "",
            Text("\n".join(f.message for f in verdict.findings)),
        )
    data_console(out).print(table)


def run(args: argparse.Namespace) -> int:
    """Check the names, print the report, return the exit code."""
    policy = load_policy(args)
    names: list[str] = []
    files = list(args.requirement)
    if args.from_files:
        files += [Path(p) for p in args.names]
    else:
        names += args.names
    index_verdicts: list[Verdict] = []
    trusted: list[str] | None = None
    for path in files:
        text = _read(path)
        names += names_from_requirements(text)
        for option in index_options_from_requirements(text, str(path)):
            if trusted is None:
                trusted = pip_trusted_hosts() + list(policy.trusted_hosts)
            findings = check_index_url(option.url, trusted, source=option.source, line=option.line)
            verdict = decide(findings, policy)
            index_verdicts.append(verdict)
            # A look-alike or plain-HTTP index fails the run: said even under -q.
            console = stderr() if verdict.decision is Decision.ALLOW else errors()
            for finding in verdict.findings:
                console.print(f"{option.source}:{option.line}: {finding.message}", markup=False)
    if not names:
        if files:
            # Nothing judged is not a pass: a hook must not go green on files it misread.
            shown = ", ".join(str(p) for p in files)
            raise UsageError(f"no project names found in {shown}; is it a requirements file?")
        raise UsageError("no names to check: give NAME arguments, -r FILE or --from-files FILE")
    invalid = [n for n in names if not is_valid_name(n)]
    if invalid:
        raise UsageError(f"not valid project names: {', '.join(map(repr, invalid))}")
    lookup = _ask_upstream(args, names) if args.upstream or args.index_url else None
    results = judge(names, policy, lookup)
    write_report(
        args,
        lambda: as_json(results, lookup),
        lambda out: render_human(results, out, lookup, quiet=args.quiet),
    )
    if lookup is not None and lookup.failed and not _report_unchecked(lookup, args):
        return EXIT_INCOMPLETE
    return exit_code([v for _, v in results] + index_verdicts, policy)


def _ask_upstream(args: argparse.Namespace, names: list[str]) -> UpstreamLookup:
    """Build a client from the upstream settings and look every name up."""
    # Imported here: names-only runs must not pay for the HTTP client (module docstring).
    from rich.progress import Progress  # noqa: PLC0415

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    index_url, origin = settings.resolved_index()
    console = stderr()
    if args.verbose:
        console.print(f"[dim]index {index_url} (from {origin})[/dim]")
    progress = Progress(console=console, transient=True, disable=not console.is_terminal)
    with open_client(settings, max_age=settings.max_age) as client, progress:
        task = progress.add_task("asking the index", total=len({normalize_name(n) for n in names}))
        return lookup_names(client, names, advance=lambda: progress.advance(task))


def _report_unchecked(lookup: UpstreamLookup, args: argparse.Namespace) -> bool:
    """Say which names the index could not be asked about; True if that is allowed."""
    shown = ", ".join(sorted(lookup.failed)[:10])
    more = f" and {len(lookup.failed) - 10} more" if len(lookup.failed) > 10 else ""
    reasons = sorted(set(lookup.failed.values()))
    console = stderr()
    if args.allow_unverified:
        console.print(
            f"[yellow]unverified[/yellow]: {len(lookup.failed)} names judged by name alone, "
            f"the index could not be asked ({shown}{more}): {reasons[0]}"
        )
        return True
    errors().print(
        f"[bold red]could not complete[/bold red]: {len(lookup.failed)} names not checked "
        f"upstream ({shown}{more}): {'; '.join(reasons[:3])}. Retry, pass --offline to use "
        "the cache, or --allow-unverified to judge them by name alone"
    )
    return False
