"""`pycustoms db ...`: maintain the local database (`import-osv` fills the offline advisories)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pycustoms.cli.common import EXIT_CLEAN, EXIT_INCOMPLETE, env_help, stderr
from pycustoms.config import load_config
from pycustoms.db import Database
from pycustoms.upstream.settings import load_upstream_settings
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
    importer.add_argument(
        "--data-dir", default=None, help=env_help("cache and database directory", "DATA_DIR")
    )
    importer.add_argument(
        "--database-url", default=None, help=env_help("SQLAlchemy URL", "DATABASE_URL")
    )
    importer.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    importer.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import; exit 0, or 3 when some files could not be read (the rest are imported)."""
    raw = load_config(config_file=args.config).raw
    settings = load_upstream_settings(
        raw, overrides={"data_dir": args.data_dir, "database_url": args.database_url}
    )
    db = Database(settings.database()).open()
    try:
        summary = import_osv(db, args.path)
    finally:
        db.close()
    console = stderr()
    console.print(f"imported {summary.records} records from {summary.files} files into {db.url}")
    for error in summary.errors:
        console.print(f"[red]not imported[/red]: {error}")
    return EXIT_INCOMPLETE if summary.errors else EXIT_CLEAN
