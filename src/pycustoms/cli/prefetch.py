"""`pycustoms prefetch -r LOCK --server URL`: have a running index fetch and scan a lock's files.

For CI images and new projects: the first `pip install` then finds every file
already scanned. The work is done by the running server (admin API
`POST /api/v1/prefetch`), not by this process on the data directory: the server
owns the store, its verdict caches and the single-flight of each file, and a
second process writing the same data directory would race them.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    add_server_options,
    add_verbosity_options,
    stderr,
)
from pycustoms.errors import PycustomsError, UsageError

_OUTCOME_EXIT = {"allowed": EXIT_CLEAN, "blocked": EXIT_FINDINGS, "hidden": EXIT_FINDINGS}


def register(subparsers: Any) -> None:
    """Add the `prefetch` subcommand."""
    parser = subparsers.add_parser(
        "prefetch",
        help="have the firewall index fetch and scan a lock's files ahead of installs",
        description=(
            "Send a requirements file, pylock.toml or uv.lock to a running `pycustoms serve` "
            "(admin token), which fetches and scans its files now. With hashes, exactly the "
            "locked files; without, the files an installer on this machine would pick."
        ),
    )
    parser.add_argument(
        "-r",
        "--requirement",
        dest="inputs",
        type=Path,
        action="append",
        required=True,
        metavar="FILE",
        help="requirements.txt, pylock.toml or uv.lock (repeatable)",
    )
    add_server_options(parser, "the server's URL", "an admin token of the server")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output (default: text)"
    )
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def wanted_projects(paths: list[Path]) -> list[dict[str, Any]]:
    """The registry dependencies of the inputs as the admin API takes them (duplicates merged)."""
    from pycustoms.audit.inputs.interface import read_input  # noqa: PLC0415
    from pycustoms.audit.model import DependencyKind  # noqa: PLC0415

    out: dict[tuple[str, str | None], set[str]] = {}
    for path in paths:
        for dep in read_input(path).dependencies:
            if dep.kind is not DependencyKind.REGISTRY:
                continue
            hashes = {h.split(":", 1)[1] for h in dep.all_hashes() if h.startswith("sha256:")}
            out.setdefault((dep.name, dep.version), set()).update(hashes)
    return [
        {"name": name, "version": version, "sha256": sorted(hashes)}
        for (name, version), hashes in out.items()
    ]


def this_machine() -> str:
    """A User-Agent in pip's form describing this interpreter and platform."""
    libc, libc_version = platform.libc_ver()
    facts: dict[str, Any] = {
        "installer": {"name": "pycustoms"},
        "python": platform.python_version(),
        "implementation": {"name": platform.python_implementation()},
        "system": {"name": platform.system()},
        "cpu": platform.machine(),
    }
    if libc:
        facts["distro"] = {"libc": {"lib": libc, "version": libc_version}}
    return "pycustoms-prefetch " + json.dumps(facts)


def run(args: argparse.Namespace) -> int:
    """Read the inputs, POST them to the server, print what became of each file."""
    import httpx  # noqa: PLC0415

    if not args.server:
        raise UsageError("pass --server URL (or PYCUSTOMS_SERVER): the running index to warm")
    if not args.token:
        raise UsageError("pass an admin token with --token or PYCUSTOMS_TOKEN")
    projects = wanted_projects(args.inputs)
    if not projects:
        raise UsageError("the inputs name no project from an index; nothing to prefetch")
    url = f"{args.server.rstrip('/')}/api/v1/prefetch"
    body = {"projects": projects, "user_agent": this_machine()}
    try:
        response = httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {args.token}"}, timeout=3600
        )
    except httpx.HTTPError as exc:
        raise PycustomsError(f"the server at {args.server} did not answer ({exc}); retry") from None
    if response.status_code != 200:
        raise PycustomsError(f"the server answered HTTP {response.status_code}: {response.text}")
    results: list[dict[str, Any]] = response.json()
    if args.format == "json":
        print(json.dumps(results, indent=2), file=sys.stdout)
    else:
        for item in results:
            what = item["filename"] or f"{item['project']} {item['version'] or ''}".strip()
            detail = f": {item['detail']}" if item["detail"] else ""
            print(f"{item['status']:8} {what}{detail}", file=sys.stdout)
    worst = max(_OUTCOME_EXIT.get(item["status"], EXIT_INCOMPLETE) for item in results)
    allowed = sum(item["status"] == "allowed" for item in results)
    stderr().print(f"{allowed} of {len(results)} files fetched, scanned and allowed")
    return worst
