"""Options and helpers shared by every subcommand."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console

from pycustoms.config import ENV_PREFIX, Policy, load_config
from pycustoms.errors import UsageError
from pycustoms.types import Verdict

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


def env_default(name: str, default: Any = None) -> Any:
    """The value of `PYCUSTOMS_<NAME>` if set, else *default* (for argparse defaults)."""
    return os.environ.get(ENV_PREFIX + name, default)


def env_help(text: str, name: str) -> str:
    """Help text that names the flag's environment variable."""
    return f"{text} [env: {ENV_PREFIX}{name}]"


def add_common_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """Add --config, --format, --output, --fail-on and -v to *parser*."""
    parser.add_argument(
        "--config",
        type=Path,
        default=env_default("CONFIG"),
        help=env_help("configuration file (default: ./pycustoms.toml if present)", "CONFIG"),
    )
    parser.add_argument(
        "--format",
        choices=formats,
        default=env_default("FORMAT", formats[0]),
        help=env_help(f"output format (default: {formats[0]})", "FORMAT"),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=env_default("OUTPUT"),
        help=env_help("write the report to this file instead of stdout", "OUTPUT"),
    )
    parser.add_argument(
        "--fail-on",
        choices=("warn", "block"),
        default=None,
        help=env_help("exit 1 when a verdict reaches this (default: block)", "FAIL_ON"),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks and where settings came from"
    )


def load_policy(args: argparse.Namespace, **overrides: Any) -> Policy:
    """The policy from configuration files, environment and the flags in *args*."""
    flags: dict[str, Any] = {"fail_on": getattr(args, "fail_on", None), **overrides}
    loaded = load_config(config_file=getattr(args, "config", None), overrides=flags)
    if getattr(args, "verbose", False):
        where = ", ".join(loaded.sources) or "built-in defaults"
        stderr().print(f"[dim]settings from: {where}[/dim]")
    return loaded.policy


def stderr() -> Console:
    """A console for messages and progress (never data)."""
    return Console(stderr=True, highlight=False)


@contextlib.contextmanager
def open_output(args: argparse.Namespace) -> Iterator[IO[str]]:
    """Yield where the data goes: the --output file, or stdout."""
    path: Path | None = getattr(args, "output", None)
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc.strerror}") from None
    with handle:
        yield handle


def exit_code(verdicts: list[Verdict], policy: Policy, *, incomplete: bool = False) -> int:
    """0 clean, 1 a verdict reached fail-on, 3 something could not be completed."""
    if incomplete:
        return EXIT_INCOMPLETE
    worst = max((v.decision.rank for v in verdicts), default=0)
    return EXIT_FINDINGS if worst >= policy.fail_on.rank and worst > 0 else EXIT_CLEAN
