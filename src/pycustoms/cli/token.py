"""`pycustoms token create|list|revoke`: tokens for installs, uploads and the console.

`create` prints only the token on stdout (it is stored as a sha256 and never
shown again); `list` shows names, roles, publish rights and state, never tokens;
`revoke NAME` ends every valid token of that name (a running server stops
accepting it within a second).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_USAGE,
    add_config_option,
    add_data_options,
    add_output_options,
    add_verbosity_options,
    env_default,
    env_help,
    errors,
    open_database,
    stderr,
    upstream_settings,
    write_output,
)
from pycustoms.errors import UsageError
from pycustoms.report.document import document
from pycustoms.settings_base import parse_duration


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
    add_data_options(create, "the server's", database_url=True)
    add_config_option(create)
    create.add_argument(
        "--role",
        choices=("reader", "approver", "admin"),
        default=env_default("TOKEN_ROLE"),
        help=env_help("console role of the token (default: none, an install token)", "TOKEN_ROLE"),
    )
    create.add_argument(
        "--publish",
        action="append",
        default=None,
        metavar="PROJECT",
        help=env_help(
            "project name, or prefix ending in *, this token may upload (repeatable; default: "
            "none, uploads are refused)",
            "TOKEN_PUBLISH",
        ),
    )
    create.add_argument(
        "--expires",
        default=env_default("TOKEN_EXPIRES"),
        metavar="DURATION",
        help=env_help("lifetime, e.g. P90D or 30 (days) (default: no expiry)", "TOKEN_EXPIRES"),
    )
    add_verbosity_options(create)
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list tokens (names, roles, rights; never tokens)")
    add_data_options(listing, "the server's", database_url=True)
    add_config_option(listing)
    add_output_options(listing, ("human", "json"))
    add_verbosity_options(listing)
    listing.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="revoke every valid token of a name")
    revoke.add_argument("name", help="the token name to revoke")
    add_data_options(revoke, "the server's", database_url=True)
    add_config_option(revoke)
    add_verbosity_options(revoke)
    revoke.set_defaults(handler=run_revoke)
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

    publish = args.publish or [
        p for p in str(env_default("TOKEN_PUBLISH", "")).split(",") if p.strip()
    ]
    expires_at = None
    if args.expires:
        try:
            expires_at = datetime.now(UTC) + parse_duration(args.expires)
        except ValueError as exc:
            raise UsageError(f"--expires: {exc}") from None
    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings) as db:
        token = create_role_token(db, args.name, args.role, publish=publish, expires_at=expires_at)
    print(token)
    if args.verbose:
        stderr().print(f"[dim]stored in {settings.database()}[/dim]")
    return EXIT_CLEAN


def run_list(args: argparse.Namespace) -> int:
    """Print every token's name, role, publish rights, expiry and state."""
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.server.auth import list_tokens  # noqa: PLC0415
    from pycustoms.server.console.access import roles_by_token  # noqa: PLC0415

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings, must_exist=True) as db:
        tokens = list_tokens(db)
        roles = roles_by_token(db)
    rows: list[dict[str, Any]] = [
        {
            "name": t.name,
            "state": t.state,
            "role": roles.get(t.sha256),
            "publish": list(t.publish),
            "created": t.created_at.isoformat(),
            "expires": t.expires_at.isoformat() if t.expires_at else None,
            "revoked": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens
    ]
    if args.format == "json":
        write_output(args, json.dumps(document("token-list", {"tokens": rows}), indent=2) + "\n")
        return EXIT_CLEAN
    lines = [
        f"{r['name']}\t{r['state']}\trole={r['role'] or '-'}\t"
        f"publish={','.join(r['publish']) or '-'}\texpires={r['expires'] or 'never'}"
        for r in rows
    ]
    write_output(args, "\n".join(lines) + ("\n" if lines else ""))
    return EXIT_CLEAN


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke the named token(s); exit 2 if none was valid."""
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.server.console.actions import revoke_tokens  # noqa: PLC0415

    settings = upstream_settings(args, load_config(config_file=args.config).raw)
    with open_database(settings, must_exist=True) as db:
        count = revoke_tokens(db, args.name, "revoked from the command line", _cli_actor())
    if count == 0:
        errors().print(f"no valid token named {args.name!r}", markup=False)
        return EXIT_USAGE
    stderr().print(f"revoked {count} token(s) named {args.name!r}", markup=False)
    return EXIT_CLEAN


def _cli_actor() -> str:
    """Who revoked, for the audit log: the command line and the local account."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{user}"
