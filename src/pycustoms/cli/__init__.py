"""The `pycustoms` command line: parse, call the pipeline, render."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from pycustoms import __version__
from pycustoms.cli.common import EXIT_INCOMPLETE, EXIT_USAGE, stderr
from pycustoms.errors import PycustomsError

# Each module exposes register(subparsers); its parser sets `handler`.
SUBCOMMANDS = (
    "pycustoms.cli.scan",
    "pycustoms.cli.check_name",
    "pycustoms.cli.check_index",
    "pycustoms.cli.inspect",
    "pycustoms.cli.serve",
    "pycustoms.cli.token",
    "pycustoms.cli.audit",
    "pycustoms.cli.db",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our usage code (2) and a pointer to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    parser = _Parser(
        prog="pycustoms",
        description="A supply-chain firewall for Python packages.",
    )
    parser.add_argument("--version", action="version", version=f"pycustoms {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a subcommand still being built in this checkout
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default: sys.argv[1:]) and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = handler(args)
    except PycustomsError as exc:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        stderr().print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        stderr().print("interrupted")
        return EXIT_INCOMPLETE
    return code
