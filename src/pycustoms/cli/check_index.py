"""`pycustoms check-index URL...`: look-alike, plain-HTTP and credential-bearing index URLs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from rich.table import Table
from rich.text import Text

from pycustoms.analyzers.names.hosts import check_index_url, redact
from pycustoms.analyzers.names.indexconf import IndexOption, index_options_from_text
from pycustoms.cli.common import (
    add_common_options,
    env_default,
    env_flag,
    env_help,
    exit_code,
    load_policy,
    write_report,
)
from pycustoms.config import Policy
from pycustoms.errors import TargetError, UsageError
from pycustoms.policy import decide
from pycustoms.report.console import data_console
from pycustoms.report.document import document, verdict_json
from pycustoms.types import Verdict
from pycustoms.upstream.pipconf import pip_trusted_hosts

FORMATS = ("human", "json")
_STYLE = {"allow": "green", "warn": "yellow", "block": "bold red"}


def read_index_options(path: Path) -> list[IndexOption]:
    """Read *path* and return its index options; raise `TargetError` if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read {path}: {exc}; check the path") from None
    return index_options_from_text(text, str(path))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `check-index` subcommand."""
    parser = sub.add_parser(
        "check-index",
        help="check index URLs (or the files that configure them) for look-alike hosts",
        description=(
            "Judge package index URLs against the hosts you trust: pip's configured index "
            "(or pip's default), its file host, and trusted-hosts from the policy. "
            "Exit 0 clean, 1 a verdict reached --fail-on, 2 usage error, 3 could not complete."
        ),
    )
    parser.add_argument("urls", nargs="*", metavar="URL", help="index URLs to check")
    parser.add_argument(
        "--file",
        type=Path,
        action="append",
        default=[Path(p) for p in (env_default("INDEX_FILE") or "").split(",") if p],
        metavar="FILE",
        help=env_help(
            "also check the index options in a requirements file, pip.conf, uv.toml or "
            "pyproject.toml; repeatable",
            "INDEX_FILE",
        ),
    )
    parser.add_argument(
        "--trusted-host",
        action="append",
        default=[],
        metavar="HOST",
        help=env_help("trust this host too; repeatable", "TRUSTED_HOSTS"),
    )
    parser.add_argument(
        "--no-pip-config",
        action="store_true",
        default=env_flag("NO_PIP_CONFIG"),
        help=env_help(
            "do not trust the hosts from pip's configuration or default", "NO_PIP_CONFIG"
        ),
    )
    add_common_options(parser, FORMATS)
    parser.set_defaults(handler=run)


def trusted_hosts(policy: Policy, extra: list[str], *, use_pip: bool) -> list[str]:
    """The hosts to trust: pip's (unless disabled), the policy's and *extra*."""
    hosts = pip_trusted_hosts() if use_pip else []
    return list(dict.fromkeys([*hosts, *policy.trusted_hosts, *extra]))


def judge(
    options: list[IndexOption], trusted: list[str], policy: Policy
) -> list[tuple[IndexOption, Verdict]]:
    """Check each configured URL under *policy*."""
    return [
        (
            option,
            decide(
                check_index_url(option.url, trusted, source=option.source, line=option.line),
                policy,
            ),
        )
        for option in options
    ]


def as_json(results: list[tuple[IndexOption, Verdict]]) -> dict[str, Any]:
    """The `--format json` document: `results` holds one object per URL (credentials redacted)."""
    rows = [
        {
            "url": redact(option.url),
            "source": option.source,
            "line": option.line,
            "option": option.option,
            "verdict": verdict_json(verdict),
        }
        for option, verdict in results
    ]
    return document("check-index", {"results": rows})


def render_human(
    results: list[tuple[IndexOption, Verdict]], out: IO[str], *, quiet: bool = False
) -> None:
    """A rich table: URL, where it was found, verdict, reasons (*quiet*: decision TAB URL)."""
    if quiet:
        out.writelines(f"{v.decision.value}\t{redact(o.url)}\n" for o, v in results)
        return
    table = Table("url", "where", "verdict", "reasons")
    table.columns[0].overflow = "fold"
    table.columns[1].overflow = "fold"
    for option, verdict in results:
        decision = verdict.decision.value
        where = option.source + (f":{option.line}" if option.line else "")
        table.add_row(
            Text(redact(option.url)),
            Text(where),
            f"[{_STYLE[decision]}]{decision}[/]",
            Text("\n".join(f.message for f in verdict.findings)),
        )
    data_console(out).print(table)


def run(args: argparse.Namespace) -> int:
    """Check the URLs and files, print the report, return the exit code."""
    policy = load_policy(args)
    for url in args.urls:
        parts = urlsplit(url.strip())
        if not parts.scheme or (parts.scheme != "file" and not parts.hostname):
            raise UsageError(
                f"{url!r} is not an index URL (scheme://host/...); give URLs as arguments "
                "and configuration files with --file"
            )
    options = [IndexOption(url, "argument", "command line") for url in args.urls]
    for path in args.file:
        options += read_index_options(path)
    if not options:
        raise UsageError("no index URLs to check: give URL arguments or --file FILE")
    extra = list(args.trusted_host)
    trusted = trusted_hosts(policy, extra, use_pip=not args.no_pip_config)
    results = judge(options, trusted, policy)
    write_report(
        args, lambda: as_json(results), lambda out: render_human(results, out, quiet=args.quiet)
    )
    return exit_code([v for _, v in results], policy)
