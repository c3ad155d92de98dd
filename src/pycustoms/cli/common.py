"""Options and helpers shared by every subcommand."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

from pycustoms.config import ENV_PREFIX, Policy, load_config
from pycustoms.config import FIELDS as CONFIG_FIELDS
from pycustoms.errors import UsageError
from pycustoms.settings_base import Field, env_bool
from pycustoms.types import Verdict

if TYPE_CHECKING:
    from pycustoms.db import Database
    from pycustoms.types import ScanResult
    from pycustoms.upstream.client import UpstreamClient
    from pycustoms.upstream.models import IndexFile
    from pycustoms.upstream.settings import UpstreamSettings

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
# The flags that `upstream_settings` passes on, when a subcommand has them.
_UPSTREAM_FLAGS = ("index_url", "offline", "data_dir", "database_url")


def env_default(name: str, default: Any = None) -> Any:
    """The value of `PYCUSTOMS_<NAME>` if set, else *default* (for argparse defaults)."""
    return os.environ.get(ENV_PREFIX + name, default)


def env_flag(name: str) -> bool:
    """A boolean `PYCUSTOMS_<NAME>`: `1`, `true`, `yes`, `on` (any case) are true; unset,
    empty, `0`, `false`, `no`, `off` are false; anything else is a usage error naming
    the variable (a typo must not silently turn a check on or off)."""
    return env_bool(name)


def env_help(text: str, name: str) -> str:
    """Help text that names the flag's environment variable."""
    return f"{text} [env: {ENV_PREFIX}{name}]"


def field_of(fields: tuple[Field, ...], flag: str) -> Field:
    """The declared setting of *fields* whose command-line flag is *flag*."""
    for spec in fields:
        if spec.flag == flag:
            return spec
    raise LookupError(f"no setting declares the flag {flag}")  # a programming error


def add_field_option(
    parser: argparse.ArgumentParser, spec: Field, note: str = "", **kwargs: Any
) -> argparse.Action:
    """Add the flag of the declared setting *spec*: its name, help and variable come
    from the declaration (the one place), *note* adds what this command makes of it.

    The value stays `None` unless the flag is given, so that the files and the
    variable apply through the area's loader, which parses the flag's text with the
    same parser as theirs.
    """
    if not spec.flag:
        raise LookupError(f"the setting {spec.key!r} declares no flag")
    text = f"{spec.help} ({note})" if note else spec.help
    kwargs.setdefault("default", None)
    return parser.add_argument(
        spec.flag, help=f"{text} [env: {spec.env}]".replace("%", "%%"), **kwargs
    )


def add_config_option(
    parser: argparse.ArgumentParser,
    text: str = "configuration file (default: ./pycustoms.toml if present)",
) -> None:
    """Add --config (`PYCUSTOMS_CONFIG`)."""
    parser.add_argument(
        "--config", type=Path, default=env_default("CONFIG"), help=env_help(text, "CONFIG")
    )


def add_output_options(
    parser: argparse.ArgumentParser,
    formats: tuple[str, ...],
    output_help: str = "write the report to this file instead of stdout",
) -> None:
    """Add --format (the first of *formats* by default) and -o/--output."""
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
        help=env_help(output_help, "OUTPUT"),
    )


def add_index_options(
    parser: argparse.ArgumentParser, *, offline: bool = False, offline_note: str = ""
) -> None:
    """Add --index-url and, if asked, --offline, from the upstream settings' declarations.

    Both default to `None` so that configuration files and `PYCUSTOMS_INDEX_URL` /
    `PYCUSTOMS_OFFLINE` apply unless the flag is given (see `upstream_settings`).
    """
    from pycustoms.upstream.settings import UPSTREAM_FIELDS  # noqa: PLC0415 - see upstream_settings

    add_field_option(parser, field_of(UPSTREAM_FIELDS, "--index-url"))
    if offline:
        spec = field_of(UPSTREAM_FIELDS, "--offline")
        add_field_option(parser, spec, offline_note, action="store_const", const=True)


def add_data_options(
    parser: argparse.ArgumentParser, data_note: str = "", *, database_url: bool = False
) -> None:
    """Add --data-dir and, if asked, --database-url, from the upstream settings' declarations."""
    from pycustoms.upstream.settings import UPSTREAM_FIELDS  # noqa: PLC0415 - see upstream_settings

    add_field_option(parser, field_of(UPSTREAM_FIELDS, "--data-dir"), data_note)
    if database_url:
        add_field_option(parser, field_of(UPSTREAM_FIELDS, "--database-url"))


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add --store-url: the shared object store the `serve` replicas write files to."""
    from pycustoms.server.settings import SERVE_FIELDS  # noqa: PLC0415 - only these commands

    add_field_option(
        parser, field_of(SERVE_FIELDS, "--store-url"), "the same setting `serve` reads"
    )


def store_url_of(args: argparse.Namespace, raw: Mapping[str, Any]) -> str | None:
    """--store-url, else `serve.store-url` of the variables and files (`None`: local store)."""
    from pycustoms.server.settings import SERVE_FIELDS, ServeSettings  # noqa: PLC0415
    from pycustoms.settings_base import load_fields  # noqa: PLC0415

    spec = field_of(SERVE_FIELDS, "--store-url")
    loaded = load_fields(ServeSettings(), (spec,), raw, None, {"store_url": args.store_url})
    return loaded.store_url


def add_server_options(parser: argparse.ArgumentParser, server_help: str, token_help: str) -> None:
    """Add --server and --token (`PYCUSTOMS_SERVER`, `PYCUSTOMS_TOKEN`)."""
    parser.add_argument(
        "--server", default=env_default("SERVER"), help=env_help(server_help, "SERVER")
    )
    parser.add_argument("--token", default=env_default("TOKEN"), help=env_help(token_help, "TOKEN"))


def add_allow_unverified(parser: argparse.ArgumentParser, text: str) -> None:
    """Add --allow-unverified (`PYCUSTOMS_ALLOW_UNVERIFIED`, a boolean variable)."""
    parser.add_argument(
        "--allow-unverified",
        action="store_true",
        default=env_flag("ALLOW_UNVERIFIED"),
        help=env_help(text, "ALLOW_UNVERIFIED"),
    )


def add_verbosity_options(
    parser: argparse.ArgumentParser, verbose_help: str = "show tracebacks"
) -> None:
    """Add -v/--verbose and -q/--quiet (`PYCUSTOMS_QUIET`); they exclude each other."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=env_flag("QUIET"),
        help=env_help(
            "print only the data (human output: one verdict per line) and errors; no "
            "progress, notes or warnings",
            "QUIET",
        ),
    )


def add_common_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """Add --config, --format, --output, --fail-on, -v and -q to *parser*."""
    add_config_option(parser)
    add_output_options(parser, formats)
    add_field_option(
        parser, field_of(CONFIG_FIELDS, "--fail-on"), "default: block", choices=("warn", "block")
    )
    add_verbosity_options(
        parser,
        "show tracebacks, where settings came from, and the findings behind allowed verdicts",
    )


def load_policy(args: argparse.Namespace, **overrides: Any) -> Policy:
    """The policy from configuration files, environment and the flags in *args*."""
    flags: dict[str, Any] = {"fail_on": getattr(args, "fail_on", None), **overrides}
    loaded = load_config(config_file=getattr(args, "config", None), overrides=flags)
    if getattr(args, "verbose", False):
        where = ", ".join(loaded.sources) or "built-in defaults"
        stderr().print(f"[dim]settings from: {where}[/dim]")
    return loaded.policy


# Set by `main` from -q/--quiet for the command being run (see `stderr`).
_quiet = [False]


def set_quiet(quiet: bool) -> None:
    """Silence (or not) the messages of `stderr()` for the rest of this command."""
    _quiet[0] = quiet


def stderr() -> Console:
    """A console for messages, warnings and progress (never data); silent under -q.

    Messages are never hard-wrapped: in a pipe or a CI log a wrapped path, URL or
    rule id cannot be searched or copied. Errors go to `errors()`, which -q does
    not silence.
    """
    return Console(stderr=True, highlight=False, soft_wrap=True, quiet=_quiet[0])


def errors() -> Console:
    """A console for errors: what failed and why the exit code is not 0 (shown under -q)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


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


def write_output(args: argparse.Namespace, text: str) -> None:
    """Write *text* to `--output` or stdout."""
    with open_output(args) as out:
        out.write(text)


def write_report(
    args: argparse.Namespace,
    as_json: Callable[[], Any],
    render_human: Callable[[IO[str]], None],
) -> None:
    """Write `--format json` (*as_json*'s value, indented) or the human form to the output."""
    with open_output(args) as out:
        if args.format == "json":
            out.write(json.dumps(as_json(), indent=2) + "\n")
        else:
            render_human(out)


def upstream_settings(args: argparse.Namespace, raw: Mapping[str, Any]) -> UpstreamSettings:
    """The upstream settings from *raw* configuration, `PYCUSTOMS_*` and the flags in *args*."""
    # Imported here: commands that never ask the index do not pay for it.
    from pycustoms.upstream.settings import load_upstream_settings  # noqa: PLC0415

    overrides = {name: getattr(args, name, None) for name in _UPSTREAM_FLAGS}
    return load_upstream_settings(raw, overrides=overrides)


def open_client(settings: UpstreamSettings, *, max_age: float = 0.0) -> UpstreamClient:
    """A client of the configured index, caching in the data directory."""
    from pycustoms.upstream.cache import HttpCache  # noqa: PLC0415 - see upstream_settings
    from pycustoms.upstream.client import ClientOptions, UpstreamClient  # noqa: PLC0415

    index_url, _ = settings.resolved_index()
    options = ClientOptions(
        timeout=settings.timeout,
        retries=settings.retries,
        offline=settings.offline,
        max_age=max_age,
    )
    return UpstreamClient(
        index_url, cache=HttpCache(settings.data_path() / "cache"), options=options
    )


def file_scanner(client: UpstreamClient, policy: Policy) -> Callable[[IndexFile], ScanResult]:
    """Download an index file through *client* and scan it under *policy* (deep modes)."""
    from pycustoms.scan import scan_target  # noqa: PLC0415 - only deep modes scan

    def scan(item: IndexFile) -> ScanResult:
        return scan_target(client.download(item), policy)

    return scan


def existing_database(url: str) -> None:
    """Refuse a SQLite database file that does not exist (a mistyped --data-dir).

    Reading commands must not create an empty database and then report that
    nothing happened; they say which database they looked for instead.
    """
    if not url.startswith("sqlite:///"):
        return
    path = Path(url[len("sqlite:///") :])
    if not path.is_file():
        raise UsageError(
            f"no pycustoms database at {path}; pass the server's --data-dir (or "
            "PYCUSTOMS_DATA_DIR / PYCUSTOMS_DATABASE_URL)"
        )


@contextlib.contextmanager
def open_database(settings: UpstreamSettings, *, must_exist: bool = False) -> Iterator[Database]:
    """The local database of *settings*, opened (and migrated), closed on exit.

    With *must_exist*, a SQLite file that is not there is a usage error (see
    `existing_database`) rather than a new, empty database.
    """
    from pycustoms.db import Database  # noqa: PLC0415 - see upstream_settings

    if must_exist:
        existing_database(settings.database())
    db = Database(settings.database()).open()
    try:
        yield db
    finally:
        db.close()


def exit_code(verdicts: list[Verdict], policy: Policy, *, incomplete: bool = False) -> int:
    """0 clean, 1 a verdict reached fail-on, 3 something could not be completed."""
    if incomplete:
        return EXIT_INCOMPLETE
    worst = max((v.decision.rank for v in verdicts), default=0)
    return EXIT_FINDINGS if worst >= policy.fail_on.rank and worst > 0 else EXIT_CLEAN
