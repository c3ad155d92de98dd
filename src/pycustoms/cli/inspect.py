"""`pycustoms inspect NAME[==VERSION]`: judge a release by what the index says about it.

Every subcommand module is imported to build the parser, so the heavy parts of
the pipeline (database, HTTP client, scanner, rich) are imported inside `run`:
`pycustoms --help` and the other subcommands do not pay for them.
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from pycustoms.analyzers.release.settings import RELEASE_FIELDS
from pycustoms.cli.common import (
    add_common_options,
    add_data_options,
    add_field_option,
    add_index_options,
    env_default,
    env_flag,
    env_help,
    field_of,
    file_scanner,
    load_policy,
    open_client,
    open_database,
    stderr,
    upstream_settings,
    write_report,
)
from pycustoms.config import Policy, load_config
from pycustoms.errors import UsageError
from pycustoms.types import Capability, normalize_name

if TYPE_CHECKING:
    from packaging.version import Version

    from pycustoms.inspection import Inspection
    from pycustoms.upstream.client import UpstreamClient
    from pycustoms.upstream.models import ProjectPage

FORMATS = ("human", "json")


def register(subparsers: Any) -> None:
    """Add the `inspect` subcommand."""
    parser = subparsers.add_parser(
        "inspect",
        help="judge a release from the index's facts (age, owners, attestations ...)",
        description="Judge NAME==VERSION (or what `pip install NAME` would get today) by the "
        "facts the upstream index publishes about the release.",
    )
    parser.add_argument("requirement", metavar="NAME[==VERSION]")
    add_common_options(parser, FORMATS)
    add_index_options(parser, offline=True)
    parser.add_argument(
        "--refresh",
        action="store_true",
        default=env_flag("REFRESH"),
        help=env_help("ask the index even if the cached page is fresh (see max-age)", "REFRESH"),
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        default=env_flag("DEEP"),
        help=env_help("download, verify and scan every file; diff capabilities", "DEEP"),
    )
    add_field_option(parser, field_of(RELEASE_FIELDS, "--cooldown"), "e.g. P7D or 7")
    add_data_options(parser)
    parser.add_argument(
        "--at",
        default=env_default("AT"),
        help=env_help("judge as of this ISO-8601 time (replays; default: now)", "AT"),
    )
    parser.set_defaults(handler=run)


# A project name as PEP 508 spells it; anything else (extras, markers, URLs) is refused.
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_RANGE_OPERATORS = ("<", ">", "~=", "!=", ",")
_FORMS = "pass NAME or NAME==VERSION (NAME alone: the release `pip install NAME` gets today)"


def _split(requirement: str) -> tuple[str, str | None]:
    """NAME and VERSION of *requirement*; a range or any other form is a usage error.

    Checked before anything is asked of the index: a range sent as a project
    name comes back as a confusing 404.
    """
    text = requirement.strip()
    name, sep, version = text.partition("==")
    name, version = name.strip(), version.strip()
    ranged = any(op in text for op in _RANGE_OPERATORS) or "*" in version
    if ranged and _NAME.match(re.split(r"[<>~!=,\s]", text, maxsplit=1)[0]):
        raise UsageError(
            f"{requirement!r}: version ranges are not supported; inspect judges one "
            f"release: {_FORMS}"
        )
    if not _NAME.match(name) or (sep and not version) or version.startswith("="):
        raise UsageError(f"{requirement!r} is not a project name or a pinned release; {_FORMS}")
    if sep:
        from packaging.version import InvalidVersion, Version  # noqa: PLC0415 - see the docstring

        try:
            Version(version)
        except InvalidVersion:
            raise UsageError(f"{requirement!r}: {version!r} is not a version; {_FORMS}") from None
    return name, version or None


def run(args: argparse.Namespace) -> int:
    """Inspect one release and render the result; exit 0, 1 (fails policy), 2 or 3."""
    # Imported here, not at the top: see the module docstring.
    from pycustoms.analyzers.release import load_release_policy  # noqa: PLC0415
    from pycustoms.inspection import inspect_release  # noqa: PLC0415
    from pycustoms.policy import fails  # noqa: PLC0415

    name, version = _split(args.requirement)
    policy = load_policy(args)
    raw = load_config(config_file=args.config).raw
    release_policy = load_release_policy(raw, os.environ, {"cooldown": args.cooldown})
    settings = upstream_settings(args, raw)
    now = _clock(args.at)
    index_url, origin = settings.resolved_index()
    if args.verbose:
        stderr().print(f"[dim]index {index_url} (from {origin})[/dim]")
    data = settings.data_path()
    max_age = 0.0 if args.refresh else settings.max_age
    with open_database(settings) as db, open_client(settings, max_age=max_age) as client:
        result = inspect_release(
            client,
            name,
            version,
            policy=policy,
            release_policy=release_policy,
            now=now,
            db=db,
            scanner=file_scanner(client, policy) if args.deep else None,
            previous_scanner=_previous(client, policy) if args.deep else None,
            provenance=_provenance(client, db, raw, data, now),
        )
    write_report(
        args, lambda: to_json(result), lambda out: render_human(result, out, quiet=args.quiet)
    )
    return 1 if fails(result.verdict, policy) else 0


def _clock(at: str | None) -> datetime:
    from pycustoms.upstream.parse import now_utc, parse_time  # noqa: PLC0415

    if not at:
        return now_utc()
    parsed = parse_time(at)
    if parsed is None:
        raise UsageError(f"--at {at!r} is not an ISO-8601 time")
    return parsed


def _provenance(client: UpstreamClient, db: Any, raw: Any, data: Any, now: datetime) -> Any:
    """The provenance hook: verify PEP 740 attestations offline, hold publishers to history."""
    from pycustoms.analyzers.provenance import load_provenance_policy  # noqa: PLC0415
    from pycustoms.provenance_pipeline import inspect_check  # noqa: PLC0415
    from pycustoms.trustroot import load_trust_root  # noqa: PLC0415

    def fallback(reason: str) -> None:
        stderr().print(
            f"[yellow]provenance could not be verified ({reason}); "
            "only the presence of attestations was checked[/yellow]",
            soft_wrap=True,
        )

    return inspect_check(
        client,
        db,
        load_provenance_policy(raw, os.environ),
        load_trust_root(data),
        now=now,
        on_fallback=fallback,
    )


def _previous(client: UpstreamClient, policy: Policy) -> Any:
    from pycustoms.scan import scan_target  # noqa: PLC0415 - deep mode only

    def capabilities(version: Version, page: ProjectPage) -> frozenset[Capability] | None:
        files = page.files_by_version().get(version, [])
        found: frozenset[Capability] = frozenset()
        for item in files:
            result = scan_target(client.download(item), policy)
            if result.error:
                return None
            found |= result.capabilities
        return found

    return capabilities


def to_json(result: Inspection) -> dict[str, Any]:
    """The `--format json` document: project, version, verdict, files, capabilities."""
    from pycustoms.report.document import document, verdict_json  # noqa: PLC0415 - docstring

    body = {
        "project": result.project,
        "version": result.version,
        "index": result.index_url,
        "verdict": verdict_json(result.verdict),
        "files": [
            {
                "filename": r.file.filename,
                "url": r.file.url,
                "sha256": r.file.sha256,
                "size": r.file.size,
                "upload_time": r.file.upload_time.isoformat() if r.file.upload_time else None,
                "yanked": r.file.yanked,
                "provenance": r.file.provenance is not None if r.file.provenance_known else None,
                "verified": r.verified if r.scan is not None else None,
                "scan": verdict_json(r.scan.verdict) if r.scan is not None else None,
            }
            for r in result.files
        ],
        "capabilities": sorted(c.value for c in result.capabilities),
    }
    return document("inspect", body)


def render_human(result: Inspection, out: IO[str], *, quiet: bool = False) -> None:
    """A table of findings and files, with the verdict first (*quiet*: decision TAB release)."""
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415 - see the module docstring
    from rich.text import Text  # noqa: PLC0415

    from pycustoms.report.console import data_console  # noqa: PLC0415

    verdict = result.verdict
    release = f"{normalize_name(result.project)} {result.version}"
    if quiet:
        out.write(f"{verdict.decision.value}\t{release}\n")
        return
    console = data_console(out)
    colour = {"allow": "green", "warn": "yellow", "block": "red"}[verdict.decision.value]
    console.print(
        f"[bold]{escape(release)}[/bold]: "
        f"[{colour}]{verdict.decision.value}[/{colour}] (score {verdict.score})"
    )
    for reason in verdict.reasons:
        console.print(f"  {reason}", markup=False)
    if verdict.findings:
        table = Table("severity", "rule", "message", "file")
        table.columns[1].overflow = "fold"
        table.columns[3].overflow = "fold"
        for f in verdict.findings:
            table.add_row(f.severity.label, Text(f.rule), Text(f.message), Text(f.file or ""))
        console.print(table)
    files = Table("file", "uploaded", "size", "attested", "scan")
    files.columns[0].overflow = "fold"
    for r in result.files:
        item = r.file
        files.add_row(
            Text(item.filename),
            item.upload_time.isoformat(timespec="minutes") if item.upload_time else "unknown",
            str(item.size) if item.size is not None else "?",
            ("yes" if item.provenance else "no") if item.provenance_known else "unknown",
            r.scan.verdict.decision.value if r.scan is not None else "-",
        )
    console.print(files)
