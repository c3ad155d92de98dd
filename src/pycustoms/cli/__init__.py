"""The `pycustoms` command line: parse, call the pipeline, render."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from rich.markup import escape

from pycustoms import __version__
from pycustoms.cli.common import EXIT_CLEAN, EXIT_INCOMPLETE, EXIT_USAGE, errors, set_quiet
from pycustoms.errors import PycustomsError, UsageError
from pycustoms.redact import redact

# Command name -> (module, one-line help). Each module exposes register(subparsers)
# and its parser sets `handler`. Only the module of the command being run is
# imported: `pycustoms check-name` does not pay for the database or the server.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "scan": (
        "pycustoms.cli.scan",
        "scan wheels, sdists, eggs or source directories for malicious code",
    ),
    "check-name": (
        "pycustoms.cli.check_name",
        "check project names for typosquatting, combosquatting and dependency confusion",
    ),
    "check-index": (
        "pycustoms.cli.check_index",
        "check index URLs (or the files that configure them) for look-alike hosts",
    ),
    "inspect": (
        "pycustoms.cli.inspect",
        "judge a release from the index's facts (age, owners, attestations ...)",
    ),
    "serve": (
        "pycustoms.cli.serve",
        "run the firewall index (PEP 503/691) that installers use instead of the upstream",
    ),
    "worker": (
        "pycustoms.cli.worker",
        "run scan jobs from the queue that `serve --broker-url` replicas fill",
    ),
    "token": ("pycustoms.cli.token", "manage tokens of the firewall index"),
    "audit": (
        "pycustoms.cli.audit",
        "audit lock files or an environment: pins, hashes, names, releases, vulnerabilities",
    ),
    "db": ("pycustoms.cli.db", "maintain the local database"),
    "incident": (
        "pycustoms.cli.incident",
        "which environments installed a release, when, and what to rotate",
    ),
    "report": (
        "pycustoms.cli.report",
        "upload this environment's installed distributions to the firewall index",
    ),
    "prefetch": (
        "pycustoms.cli.prefetch",
        "have the firewall index fetch and scan a lock's files ahead of installs",
    ),
    "rescan": (
        "pycustoms.cli.rescan",
        "re-judge the firewall's stored files with the current rules",
    ),
    "provenance": (
        "pycustoms.cli.provenance",
        "verify a file's PEP 740 provenance (Trusted Publishing attestations) offline",
    ),
    "trust": (
        "pycustoms.cli.trust",
        "show or refresh the Sigstore trusted root used to verify provenance",
    ),
    "completion": (
        "pycustoms.cli.completion",
        "print a shell completion script (bash, zsh or fish)",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our usage code (2) and a pointer to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in *argv* (the first word that is not an option), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with *command*'s options registered.

    Other commands get a bare entry with their summary, so top-level help lists
    every command without importing any of them.
    """
    parser = _Parser(
        prog="pycustoms",
        description="A supply-chain firewall for Python packages.",
    )
    parser.add_argument("--version", action="version", version=f"pycustoms {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, summary) in SUBCOMMANDS.items():
        if name == command:
            importlib.import_module(module_name).register(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def _innermost(parser: argparse.ArgumentParser, words: Sequence[str]) -> argparse.ArgumentParser:
    """The (sub)parser of the deepest command named in *words* (`pycustoms db update`)."""
    # argparse has no public way to walk its subparsers.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for i, word in enumerate(words):
                if not word.startswith("-") and word in action.choices:
                    return _innermost(action.choices[word], words[i + 1 :])
    return parser


def _parse(parser: argparse.ArgumentParser, words: Sequence[str]) -> argparse.Namespace:
    """Parse *words*; an unknown option is reported with its subcommand's usage, not the top's.

    argparse leaves options that no subparser knows to the top-level parser, whose
    usage does not name the subcommand's options.
    """
    args, extra = parser.parse_known_args(words)
    if extra:
        _innermost(parser, words).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default: sys.argv[1:]) and return the exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = _command_in(words)
    try:
        parser = build_parser(command)  # flag defaults read PYCUSTOMS_* variables
    except UsageError as exc:
        errors().print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code
    args = _parse(parser, words)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # -v wins over a PYCUSTOMS_QUIET from the environment.
    set_quiet(bool(getattr(args, "quiet", False)) and not getattr(args, "verbose", False))
    try:
        code: int = handler(args)
    except PycustomsError as exc:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        message = escape(redact(str(exc)))  # not markup: an error may quote brackets
        errors().print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        errors().print("interrupted")
        return EXIT_INCOMPLETE
    except BrokenPipeError:
        # The reader went away (`... | head -1`): stop quietly, as Unix tools do. Point
        # stdout at devnull so the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return code if "code" in locals() else EXIT_CLEAN
    finally:
        set_quiet(False)
    return code
