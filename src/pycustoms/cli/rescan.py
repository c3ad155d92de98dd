"""`pycustoms rescan`: re-judge the firewall's stored files with the current rules and policy.

Files blocked now that were allowed before become release blocks; if environments
installed them, incidents are opened and the configured webhooks are told. Exit 1
when a file became blocked.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    add_config_option,
    add_data_options,
    add_store_option,
    add_verbosity_options,
    open_database,
    stderr,
    store_url_of,
    upstream_settings,
)


def register(subparsers: Any) -> None:
    """Add the `rescan` subcommand."""
    parser = subparsers.add_parser(
        "rescan",
        help="re-judge the firewall's stored files with the current rules",
        description="Scan every stored file again; new blocks become incidents if installed.",
    )
    add_data_options(parser, "the server's", database_url=True)
    add_store_option(parser)
    add_config_option(parser)
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Rescan, notify, print a JSON summary on stdout."""
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.incident import webhooks  # noqa: PLC0415
    from pycustoms.incident.rescan import rescan, store_of  # noqa: PLC0415
    from pycustoms.report.document import document  # noqa: PLC0415

    loaded = load_config(config_file=args.config)
    settings = upstream_settings(args, loaded.raw)
    with open_database(settings, must_exist=True) as db:
        store = store_of(settings.data_path(), store_url_of(args, loaded.raw))
        result = rescan(db, store, loaded.policy)
    hooks = webhooks.WebhookSettings.load(loaded.raw)
    for summary in result.incidents:
        webhooks.send(hooks, summary)
    print(json.dumps(document("rescan", {
        "scanned": result.scanned, "missing": result.missing,
        "newly_blocked": [{"filename": f, "sha256": s} for f, s in result.newly_blocked],
        "unblocked": [{"filename": f, "sha256": s} for f, s in result.unblocked],
        "incidents": result.incidents,
    }), indent=2))  # fmt: skip
    if args.verbose:
        stderr().print(f"[dim]{settings.database()}[/dim]")
    return EXIT_FINDINGS if result.newly_blocked else EXIT_CLEAN
