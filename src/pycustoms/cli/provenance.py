"""`pycustoms provenance FILE`: verify a distribution's PEP 740 provenance offline.

The provenance comes from `--provenance FILE` or from the index's integrity API;
the signature is checked against the Sigstore trusted root shipped with
pycustoms (or the one `pycustoms trust update` fetched). Exit 0 verified, 1 not
verified (or no provenance), 3 could not be checked.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    add_config_option,
    add_data_options,
    add_index_options,
    add_output_options,
    add_verbosity_options,
    open_client,
    upstream_settings,
    write_report,
)
from pycustoms.errors import TargetError, UsageError

if TYPE_CHECKING:
    from pycustoms.analyzers.provenance.model import FileProvenance, Publisher

FORMATS = ("human", "json")


def register(subparsers: Any) -> None:
    """Add the `provenance` subcommand."""
    parser = subparsers.add_parser(
        "provenance",
        help="verify a file's PEP 740 provenance (Trusted Publishing attestations) offline",
        description="Verify FILE against its PEP 740 provenance: the signature against the "
        "shipped Sigstore trusted root, the signed sha256 against the file, and report the "
        "publisher. Exit 0 verified, 1 not verified, 3 could not be checked.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument(
        "--provenance",
        type=Path,
        default=None,
        help="the provenance JSON (default: fetch it from the index's integrity API)",
    )
    add_output_options(parser, FORMATS, output_help="write the report to this file")
    add_config_option(parser, "configuration file")
    add_index_options(parser)
    add_data_options(parser, "it also holds the trusted root")
    parser.add_argument(
        "--expect-repository",
        default=None,
        help="fail unless the publisher is this repository (owner/name)",
    )
    parser.add_argument(
        "--expect-workflow", default=None, help="fail unless the publisher used this workflow"
    )
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def _project_version(filename: str) -> tuple[str, str]:
    from packaging.utils import (  # noqa: PLC0415
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise UsageError(f"{filename} is not a wheel or sdist filename ({exc})") from None
    return str(name), str(version)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise TargetError(f"cannot read {path} ({exc.strerror})") from None
    except ValueError:
        raise UsageError(f"{path} is not JSON; pass a PEP 740 provenance object") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path} is not a JSON object; pass a PEP 740 provenance object")
    return document


def _fetch(args: argparse.Namespace, filename: str, raw: Any) -> dict[str, Any] | None:
    from pycustoms.upstream.models import IndexFile  # noqa: PLC0415 - network path only

    name, version = _project_version(filename)
    with open_client(upstream_settings(args, raw)) as client:
        return client.provenance(name, version, IndexFile(filename, url=""))


def _expected(args: argparse.Namespace, found: Publisher | None) -> Publisher | None:
    from pycustoms.analyzers.provenance.model import Publisher  # noqa: PLC0415

    if args.expect_repository is None and args.expect_workflow is None:
        return None
    return Publisher(
        found.kind if found else "GitHub",
        args.expect_repository or (found.repository if found else None),
        args.expect_workflow or (found.workflow if found else None),
    )


def run(args: argparse.Namespace) -> int:
    """Verify one file; render; exit 0, 1 or 3."""
    from pycustoms.analyzers.provenance.model import Status  # noqa: PLC0415
    from pycustoms.config import load_config  # noqa: PLC0415
    from pycustoms.provenance_pipeline import check_file  # noqa: PLC0415
    from pycustoms.trustroot import load_trust_root  # noqa: PLC0415

    path: Path = args.file
    try:
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise TargetError(f"cannot read {path} ({exc.strerror})") from None
    raw = load_config(config_file=args.config).raw
    document = _read_json(args.provenance) if args.provenance else _fetch(args, path.name, raw)
    data = upstream_settings(args, raw).data_path()
    root = load_trust_root(data)
    result = check_file(path.name, sha256, document, root)
    expected = _expected(args, result.publisher)
    if expected is not None and result.verified:
        result = check_file(path.name, sha256, document, root, expected=expected)
    write_report(
        args, lambda: to_json(result), lambda out: render_human(result, out, quiet=args.quiet)
    )
    if result.status is Status.VERIFIED:
        return EXIT_CLEAN
    if result.status is Status.UNCHECKED:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS


def to_json(result: FileProvenance) -> dict[str, Any]:
    """The `--format json` document: file, sha256, verified, status, publisher, reason."""
    from pycustoms.report.document import document  # noqa: PLC0415 - only for JSON

    p = result.publisher
    body = {
        "file": result.filename,
        "sha256": result.sha256,
        "verified": result.verified,
        "status": result.status.value,
        "publisher": (
            {
                "kind": p.kind,
                "repository": p.repository,
                "workflow": p.workflow,
                "environment": p.environment,
            }
            if p is not None
            else None
        ),
        "reason": result.reason,
    }
    return document("provenance", body)


def render_human(result: FileProvenance, out: IO[str], *, quiet: bool = False) -> None:
    """One line of outcome, then the publisher (*quiet*: the status TAB the file)."""
    if quiet:
        out.write(f"{result.status.value}\t{result.filename}\n")
        return
    mark = "verified" if result.verified else f"NOT verified ({result.status.value})"
    out.write(f"{result.filename}: {mark}\n")
    if result.publisher is not None:
        p = result.publisher
        out.write(f"  publisher:   {p.kind}\n  repository:  {p.repository or '-'}\n")
        out.write(f"  workflow:    {p.workflow or '-'}\n  environment: {p.environment or '-'}\n")
    out.write(f"  reason:      {result.reason}\n")
