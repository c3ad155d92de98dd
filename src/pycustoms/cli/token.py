"""`pycustoms token create NAME`: a token for installs and uploads; only the token on stdout."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_USAGE,
    add_config_option,
    add_data_options,
    env_default,
    env_help,
    open_database,
    stderr,
    upstream_settings,
)


def register(subparsers: Any) -> None:
    """Add the `token` subcommand."""
    parser = subparsers.add_parser(
        "token",
        help="manage tokens of the firewall index",
        description="Tokens identify environments in the install log and authorise uploads.",
    )
    actions = parser.add_subparsers(dest="token_action", metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it on stdout")
    create.add_argument("name", help="environment name logged for installs with this token")
    add_data_options(create, "the server's data directory")
    add_config_option(create)
    create.add_argument(
        "--role",
        choices=("reader", "approver", "admin"),
        default=env_default("TOKEN_ROLE"),
        help=env_help("console role of the token (default: none, an install token)", "TOKEN_ROLE"),
    )
    create.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    create.set_defaults(handler=run_create)
    parser.set_defaults(handler=_usage(parser))


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return show


def run_create(args: argparse.Namespace) -> int:
    """Create the token in the server's database and print it."""
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.server.console.access import create_role_token  # noqa: PLC0415

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings) as db:
        token = create_role_token(db, args.name, args.role)
    print(token)
    if args.verbose:
        stderr().print(f"[dim]stored in {settings.database()}[/dim]")
    return EXIT_CLEAN
