"""`pycustoms report --server URL --env NAME`: upload what an environment has installed.

For machines that did not install through the index: names, versions and the file
hashes of each distribution's RECORD, so that `pycustoms incident` finds them too.
"""

from __future__ import annotations

import argparse
import base64
import sys
from importlib import metadata as md
from pathlib import Path
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    add_server_options,
    add_verbosity_options,
    env_default,
    env_help,
    stderr,
)
from pycustoms.errors import PycustomsError, UsageError


def register(subparsers: Any) -> None:
    """Add the `report` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="upload this environment's installed distributions to the firewall index",
        description="Send names, versions and RECORD hashes of installed distributions.",
    )
    add_server_options(parser, "the server's URL", "a token of the server")
    parser.add_argument(
        "--env", default=env_default("ENV"), help=env_help("environment name", "ENV")
    )
    parser.add_argument(
        "--path",
        type=Path,
        action="append",
        default=None,
        help="site-packages directory to read (repeatable; default: this interpreter's)",
    )
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def _hex(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded).hex()


def distributions(paths: list[Path] | None) -> list[dict[str, Any]]:
    """Installed distributions with their RECORD's sha256 per file (hex)."""
    found = md.distributions(path=[str(p) for p in paths]) if paths else md.distributions()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for dist in found:
        name, version = dist.metadata["Name"], dist.version
        if not name or not version or (name, version) in out:
            continue
        files = [
            {"path": str(f), "sha256": _hex(f.hash.value)}
            for f in dist.files or []
            if f.hash is not None and f.hash.mode == "sha256"
        ]
        out[(name, version)] = {"name": name, "version": version, "files": files}
    return list(out.values())


def run(args: argparse.Namespace) -> int:
    """Read the environment and PUT it to the server."""
    import httpx  # noqa: PLC0415

    if not args.server or not args.env:
        raise UsageError("pass --server URL and --env NAME (or PYCUSTOMS_SERVER, PYCUSTOMS_ENV)")
    if not args.token:
        raise UsageError("pass a token with --token or PYCUSTOMS_TOKEN")
    dists = distributions(args.path)
    url = f"{args.server.rstrip('/')}/api/v1/environments/{args.env}/report"
    try:
        response = httpx.put(
            url,
            json={"distributions": dists},
            headers={"Authorization": f"Bearer {args.token}"},
            timeout=120,
        )
    except httpx.HTTPError as exc:
        raise PycustomsError(f"the server at {args.server} did not answer ({exc}); retry") from None
    if response.status_code != 200:
        raise PycustomsError(f"the server answered HTTP {response.status_code}: {response.text}")
    stderr().print(f"reported {len(dists)} distributions of {args.env}")
    print(response.text, file=sys.stdout)
    return EXIT_CLEAN
