"""`pycustoms incident SPEC...`: which environments installed a release, when, what to rotate.

Asks a running server (`--server URL`, with a reader token) or reads the local
database of a data directory. Exit 1 when some environment is affected.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    add_config_option,
    add_data_options,
    add_output_options,
    add_server_options,
    add_store_option,
    add_verbosity_options,
    open_database,
    open_output,
    store_url_of,
    upstream_settings,
)
from pycustoms.cli.readers import database_label
from pycustoms.errors import PycustomsError, UsageError
from pycustoms.redact import redact

if TYPE_CHECKING:
    import httpx

    from pycustoms.storage import LocalBlobStore


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def register(subparsers: Any) -> None:
    """Add the `incident` subcommand."""
    parser = subparsers.add_parser(
        "incident",
        help="which environments installed a release, when, and what to rotate",
        description="Affected environments (first/last install, counts, hashes, installers) "
        "and a rotation checklist from what the release's code could reach. "
        "Exit 1 when an environment is affected.",
    )
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="NAME==VERSION, or NAME")
    parser.add_argument("--since", type=_when, help="only installs at or after this time")
    parser.add_argument("--until", type=_when, help="only installs at or before this time")
    add_server_options(parser, "ask this server", "reader token for --server")
    add_data_options(parser, "the server's", database_url=True)
    add_store_option(parser)
    add_config_option(parser)
    add_output_options(parser, ("markdown", "json"), output_help="write to this file")
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def _remote(args: argparse.Namespace) -> dict[str, Any]:
    import httpx  # noqa: PLC0415

    params: list[tuple[str, str | int | float | bool | None]] = [("spec", s) for s in args.specs]
    if args.since:
        params.append(("since", args.since.isoformat()))
    if args.until:
        params.append(("until", args.until.isoformat()))
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    url = args.server.rstrip("/") + "/api/v1/incident"
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        raise PycustomsError(f"the server at {args.server} did not answer ({exc}); retry") from None
    if response.status_code in {401, 403}:
        raise UsageError(f"the server refused the token (HTTP {response.status_code}); pass a "
                         "reader token with --token or PYCUSTOMS_TOKEN")  # fmt: skip
    if response.status_code == 422:
        raise UsageError(f"the server rejected the request: {_problem_detail(response)}")
    if response.status_code != 200:
        raise PycustomsError(f"the server answered HTTP {response.status_code}: {response.text}")
    doc: dict[str, Any] = response.json()
    doc["read_from"] = {"server": redact(args.server)}
    return doc


def _problem_detail(response: httpx.Response) -> str:
    """The `detail` of an RFC 9457 problem answer (the admin API's errors), else the body."""
    try:
        doc = response.json()
    except ValueError:
        return response.text
    detail = doc.get("detail") if isinstance(doc, dict) else None
    return detail if isinstance(detail, str) else response.text


def _local(args: argparse.Namespace) -> dict[str, Any]:
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.incident.formats import to_dict  # noqa: PLC0415
    from pycustoms.incident.model import parse_spec  # noqa: PLC0415
    from pycustoms.incident.query import incident_report  # noqa: PLC0415
    from pycustoms.incident.rescan import store_of  # noqa: PLC0415
    from pycustoms.incident.stored import scan_blob  # noqa: PLC0415

    specs = [parse_spec(s, args.since, args.until) for s in args.specs]
    loaded = load_config(config_file=args.config)
    settings = upstream_settings(args, loaded.raw)
    store_url = store_url_of(args, loaded.raw)
    # Only a store the server made is read: opening one creates its folders, and a
    # reading command must leave a data directory as it found it. A shared store
    # (S3) is read through a cache of its own that goes when the command ends.
    folder = settings.data_path() / "store"
    store: LocalBlobStore | None = None
    with contextlib.ExitStack() as stack:
        if store_url:
            cache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pycustoms-")))
            store = store_of(cache, store_url)
        elif folder.is_dir():
            store = store_of(settings.data_path())

        def findings_of(sha: str, filename: str) -> Any:
            blob = None if store is None else store.path(sha)
            if blob is None:
                return None
            return scan_blob(blob, filename, loaded.policy).verdict.findings

        with open_database(settings, must_exist=True) as db:
            doc = to_dict(incident_report(db, specs, findings_of))
    doc["read_from"] = {"database": database_label(settings.database())}
    return doc


def run(args: argparse.Namespace) -> int:
    """Build the report (remote or local) and render it.

    With -q, the Markdown form is one line per affected environment: its name and
    the release it installed, separated by a tab.
    """
    from pycustoms.incident.formats import affected_lines, markdown_of  # noqa: PLC0415
    from pycustoms.report.document import document  # noqa: PLC0415

    doc = _remote(args) if args.server else _local(args)
    if args.format == "json":
        text = json.dumps(document("incident", doc), indent=2) + "\n"
    else:
        text = affected_lines(doc) if args.quiet else markdown_of(doc)
    with open_output(args) as out:
        out.write(text)
    return EXIT_FINDINGS if doc["environment_count"] else EXIT_CLEAN
