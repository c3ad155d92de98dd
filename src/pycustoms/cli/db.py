"""`pycustoms db ...`: maintain the local database (`import-osv` fills the offline advisories)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_INCOMPLETE,
    add_data_options,
    open_database,
    stderr,
    upstream_settings,
)
from pycustoms.config import load_config
from pycustoms.vulns.osv_import import import_osv


def register(subparsers: Any) -> None:
    """Add the `db` group and its subcommands."""
    parser = subparsers.add_parser("db", help="maintain the local database")
    sub = parser.add_subparsers(dest="db_command", metavar="COMMAND")
    importer = sub.add_parser(
        "import-osv",
        help="import OSV records (directory or zip, JSON or YAML) for the offline vulnerability "
        "source (`audit --vuln-source offline`)",
    )
    importer.add_argument("path", type=Path, metavar="PATH")
    importer.add_argument("--config", type=Path, default=None, help="configuration file")
    add_data_options(importer, "cache and database directory", database_url=True)
    importer.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    importer.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import; exit 0, or 3 when some files could not be read (the rest are imported)."""
    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings) as db:
        summary = import_osv(db, args.path)
    console = stderr()
    console.print(f"imported {summary.records} records from {summary.files} files into {db.url}")
    for error in summary.errors:
        console.print(f"[red]not imported[/red]: {error}")
    return EXIT_INCOMPLETE if summary.errors else EXIT_CLEAN
