"""`pycustoms trust update | show`: the Sigstore trusted root used to verify provenance.

`update` fetches Sigstore's current production root through TUF (online) or
installs one from `--from FILE`, into the data directory; verification then
prefers it over the root shipped with pycustoms.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    add_data_options,
    add_verbosity_options,
    stderr,
    upstream_settings,
)
from pycustoms.errors import PycustomsError, TargetError


def register(subparsers: Any) -> None:
    """Add the `trust` subcommand with `update` and `show`."""
    parser = subparsers.add_parser(
        "trust",
        help="show or refresh the Sigstore trusted root used to verify provenance",
        description="Manage the Sigstore trusted root that PEP 740 provenance is verified "
        "against offline.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, summary in (
        ("update", "fetch the current production root through TUF (needs the network)"),
        ("show", "print which root is in use, its sha256 and how recent it is"),
    ):
        sub = actions.add_parser(name, help=summary, description=summary)
        add_data_options(sub)
        sub.add_argument("--config", type=Path, default=None, help="configuration file")
        add_verbosity_options(sub)
        if name == "update":
            sub.add_argument(
                "--from",
                dest="source",
                type=Path,
                default=None,
                help="install this trusted_root.json instead of fetching one",
            )
        sub.set_defaults(handler=run)


def _data_dir(args: argparse.Namespace) -> Path:
    from pycustoms.config import load_config  # noqa: PLC0415

    return upstream_settings(args, load_config(config_file=args.config).raw).data_path()


def run(args: argparse.Namespace) -> int:
    """Show or update the trusted root."""
    from pycustoms import trustroot as trust  # noqa: PLC0415

    data = _data_dir(args)
    if args.action == "update":
        if args.source is not None:
            try:
                payload = args.source.read_bytes()
            except OSError as exc:
                raise TargetError(f"cannot read {args.source} ({exc.strerror})") from None
        else:
            try:
                payload = trust.fetch_production_root()
            except Exception as exc:  # noqa: BLE001 - TUF, HTTP, sigstore errors: "not updated"
                raise PycustomsError(
                    f"the trusted root could not be fetched ({type(exc).__name__}: {exc}); "
                    "check the network, or pass --from FILE"
                ) from None
        root = trust.install_root(payload, data)
        stderr().print(f"trusted root updated: {root.path} (as of {root.as_of:%Y-%m-%d})")
    root = trust.load_trust_root(data)
    print(f"{root.path}\nsha256 {root.sha256}\nas of {root.as_of.isoformat()}")
    return EXIT_CLEAN
