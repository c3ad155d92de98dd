"""`pycustoms db ...`: maintain the database (`update`, `import-osv`, `status`, `upgrade`)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_INCOMPLETE,
    add_config_option,
    add_data_options,
    add_field_option,
    add_index_options,
    add_verbosity_options,
    env_default,
    env_help,
    errors,
    field_of,
    open_database,
    stderr,
    upstream_settings,
)
from pycustoms.config import load_config
from pycustoms.report.document import document
from pycustoms.vulns.settings import VULNS_FIELDS

if TYPE_CHECKING:
    from pycustoms.vulns.interface import Query
    from pycustoms.vulns.update import ReleaseFiller

DESCRIPTION = """\
Maintain the local advisory database that `pycustoms audit` (the `offline`
vulnerability source) and `pycustoms serve` read.

  update      fill it from the first source that works, in the order of
              --source (default: osv, pypa, json-api): a whole-ecosystem
              archive of OSV records gives full coverage; the index's JSON API
              answers only for the releases of the FILEs (or --env) named, or,
              with none named, refreshes the releases it answered before
              (partial coverage). A source that fails changes nothing.
  import-osv  add OSV records from a directory or zip (partial coverage: the
              records are reported, but never make a release count as checked)
  status      print the coverage (full, partial, empty), origin and age
  upgrade     bring the database's schema to this version's (SQLite or
              PostgreSQL: --database-url); every command does so when it opens
              the database, so this is for a deployment step that runs before
              the replicas start (docs/scale.md)

`pycustoms audit` asks the index's JSON API about releases the database does
not cover as it goes (`[vulns] auto-update`, not with --no-index), reports the
database's coverage and age, and warns when the answers it used are older than
`[vulns] max-age` (default 7 days). Settings: `[vulns]` in pycustoms.toml or
PYCUSTOMS_VULNS_* variables; see docs/audit.md.

Exit 0 done, 2 usage error, 3 no source worked (the database is unchanged) or
some releases were not answered.
"""


def register(subparsers: Any) -> None:
    """Add the `db` group and its subcommands."""
    parser = subparsers.add_parser(
        "db",
        help="maintain the local database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="db_command", metavar="COMMAND")
    _register_update(sub)
    importer = sub.add_parser(
        "import-osv",
        help="add OSV records (directory or zip, JSON or YAML) to the advisory database "
        "(partial coverage)",
    )
    importer.add_argument("path", type=Path, metavar="PATH")
    add_config_option(importer)
    add_data_options(importer, database_url=True)
    add_verbosity_options(importer)
    importer.set_defaults(handler=run_import)
    status = sub.add_parser("status", help="print the advisory database's coverage, origin and age")
    status.add_argument(
        "--format",
        choices=("human", "json"),
        default=env_default("FORMAT", "human"),
        help=env_help("output format (default: human)", "FORMAT"),
    )
    add_config_option(status)
    add_data_options(status, database_url=True)
    add_verbosity_options(status)
    status.set_defaults(handler=run_status)
    upgrade = sub.add_parser(
        "upgrade", help="apply the pending schema migrations (SQLite or PostgreSQL) and exit"
    )
    add_config_option(upgrade)
    add_data_options(upgrade, database_url=True)
    add_verbosity_options(upgrade)
    upgrade.set_defaults(handler=run_upgrade)


def _register_update(sub: Any) -> None:
    update = sub.add_parser(
        "update",
        help="fill the advisory database from an OSV/PyPA archive or the index's JSON API",
        description="Fill the advisory database from the first source that works. "
        "SOURCE is osv (OSV's PyPI archive), pypa (the PyPA advisory database), json-api "
        "(the index's JSON API, for the releases of FILE or --env) or the location of an "
        "archive of OSV records (http(s) or file URL, local zip or directory).",
    )
    update.add_argument(
        "inputs",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="lock or requirements files whose releases json-api asks about",
    )
    add_field_option(
        update,
        field_of(VULNS_FIELDS, "--source"),
        "repeatable; default: osv, pypa, json-api; variable: a comma-separated list",
        action="append",
        metavar="SOURCE",
    )
    update.add_argument(
        "--env",
        nargs="?",
        const="",
        default=env_default("DB_UPDATE_ENV"),
        metavar="PATH",
        help=env_help(
            "ask json-api about the distributions installed in this environment (the "
            "current one if no PATH)",
            "DB_UPDATE_ENV",
        ),
    )
    add_field_option(update, field_of(VULNS_FIELDS, "--min-records"), "default: 1000", metavar="N")
    add_index_options(update, offline=True, offline_note="json-api is skipped")
    add_config_option(update)
    add_data_options(update, database_url=True)
    add_verbosity_options(update)
    update.set_defaults(handler=run_update)


def _releases(args: argparse.Namespace, raw_config: Path | None) -> list[Query]:
    """The exact releases named by the FILEs and --env (nothing when neither is given)."""
    from pycustoms.audit.inputs import read_input  # noqa: PLC0415 - only json-api needs them
    from pycustoms.audit.inputs.environment import read_environment  # noqa: PLC0415
    from pycustoms.vulns.interface import Query  # noqa: PLC0415

    inputs = [read_input(path, None) for path in args.inputs]
    if args.env is not None:
        policy = load_config(config_file=raw_config).policy
        inputs.append(read_environment(Path(args.env) if args.env else None, policy))
    return sorted(
        {
            Query(d.name, d.version)
            for item in inputs
            for d in item.dependencies
            if d.version is not None
        }
    )


def run_update(args: argparse.Namespace) -> int:
    """Update; exit 0, or 3 when no source worked or some releases were not answered."""
    from pycustoms.vulns.settings import load_vulns_settings  # noqa: PLC0415
    from pycustoms.vulns.update import json_api_filler, update_database  # noqa: PLC0415

    raw = load_config(config_file=args.config).raw
    upstream = upstream_settings(args, raw)
    flags = {
        "update_sources": tuple(args.source) if args.source else None,
        "archive_min_records": args.min_records,
    }
    settings = load_vulns_settings(raw, os.environ, flags)
    releases = _releases(args, args.config)
    console = stderr()
    with open_database(upstream) as db:

        def filler() -> ReleaseFiller:
            return json_api_filler(
                db,
                upstream.resolved_index()[0],
                timeout=upstream.timeout,
                retries=upstream.retries,
            )

        result = update_database(
            db,
            settings,
            settings.update_sources,
            workdir=upstream.data_path(),
            timeout=upstream.timeout,
            releases=releases,
            filler=None if upstream.offline else filler,
            notify=lambda message: console.print(message, markup=False),
        )
    if result.releases:
        console.print(
            f"updated {db.url} from {result.source}: {result.releases} release(s) answered, "
            f"{result.advisories} advisories; coverage stays {result.coverage.value} "
            "(per-release answers)",
            markup=False,
        )
    else:
        console.print(
            f"updated {db.url} from {result.source}: {result.advisories} advisories on "
            f"{result.projects} projects; coverage {result.coverage.value}",
            markup=False,
        )
    for query, reason in sorted(result.failed.items()):
        errors().print(f"not answered: {query.name} {query.version}: {reason}", markup=False)
    return EXIT_INCOMPLETE if result.failed else EXIT_CLEAN


def run_import(args: argparse.Namespace) -> int:
    """Import; exit 0, or 3 when some files could not be read (the rest are imported)."""
    from pycustoms.vulns.osv_import import import_osv  # noqa: PLC0415

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings) as db:
        summary = import_osv(db, args.path)
    console = stderr()
    console.print(
        f"imported {summary.records} records from {summary.files} files into {db.url} "
        "(imported records never make the coverage full: `pycustoms db update` does)",
        markup=False,
    )
    for error in summary.errors:
        errors().print(f"[red]not imported[/red]: {error}")
    return EXIT_INCOMPLETE if summary.errors else EXIT_CLEAN


def run_status(args: argparse.Namespace) -> int:
    """Print what the database covers, where from and how old it is."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from pycustoms.vulns.interface import describe_age  # noqa: PLC0415
    from pycustoms.vulns.settings import load_vulns_settings  # noqa: PLC0415
    from pycustoms.vulns.store import read_state  # noqa: PLC0415

    raw = load_config(config_file=args.config).raw
    upstream = upstream_settings(args, raw)
    settings = load_vulns_settings(raw, os.environ)
    with open_database(upstream, must_exist=True) as db, db.session() as session:
        state = read_state(session)
    now = datetime.now(UTC)
    age = now - state.as_of if state.as_of else None
    stale = age is not None and age > settings.max_age
    if args.format == "json":
        body = {
            "database": db.url,
            **state.to_json(),
            "age_days": round(age.total_seconds() / 86_400, 2) if age is not None else None,
            "max_age_days": round(settings.max_age.total_seconds() / 86_400, 2),
            "stale": stale,
        }
        print(json.dumps(document("db-status", body), indent=2))
        return EXIT_CLEAN
    print(f"database: {db.url}")
    print(f"coverage: {state.coverage.value}")
    if state.origin and state.as_of and age is not None:
        marker = f", older than vulns.max-age ({describe_age(settings.max_age)})" if stale else ""
        print(f"archive: {state.origin}")
        print(f"as of: {state.as_of:%Y-%m-%d %H:%M} UTC ({describe_age(age)} old{marker})")
    print(f"advisories: {state.advisories} on {state.projects} projects")
    print(f"imported records: {state.imported_records}")
    print(f"releases answered by the index's JSON API: {state.releases_checked}")
    return EXIT_CLEAN


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to the newest schema; say from which revisions to which."""
    from pycustoms.db import Database  # noqa: PLC0415 - see upstream_settings

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    db = Database(settings.database())
    try:
        before = db.revisions()  # empty when new or unreachable: `open` says which
        db.open()
        after = db.revisions()
    finally:
        db.close()
    old = ", ".join(sorted(before)) or "empty"
    new = ", ".join(sorted(after))
    verb = "already at" if before == after else f"upgraded from {old} to"
    stderr().print(f"{db.url}: {verb} {new}", markup=False)
    return EXIT_CLEAN
