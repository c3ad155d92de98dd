"""`pycustoms audit [FILE...] [--env PATH]`: lock files and environments against every known risk.

Exit 0 clean, 1 findings reach --fail-on or a vulnerability reaches the severity
threshold, 2 usage error, 3 a selected source could not answer (unless
--allow-unverified, which marks those results unverified in every format).
A range (pyproject.toml, `>=` in requirements) is reported as unpinned and its
vulnerabilities as not determined; that alone does not exit 3.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pycustoms.analyzers.provenance.settings import load_provenance_policy
from pycustoms.analyzers.release import load_release_policy
from pycustoms.audit.fixhashes import FileFix, fix_files
from pycustoms.audit.formats import FORMATS, render
from pycustoms.audit.formats.grouping import shape
from pycustoms.audit.indexcheck import IndexChecker
from pycustoms.audit.inputs import detect, read_input
from pycustoms.audit.inputs.environment import read_environment
from pycustoms.audit.model import FILE_FORMATS, AuditReport, InputFormat
from pycustoms.audit.pipeline import AuditOptions, run_audit
from pycustoms.audit.provenance import AuditProvenance
from pycustoms.audit.settings import (
    AUDIT_FIELDS,
    VULN_SOURCES,
    AuditSettings,
    load_audit_settings,
)
from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    add_allow_unverified,
    add_common_options,
    add_data_options,
    add_field_option,
    add_index_options,
    env_default,
    env_flag,
    env_help,
    errors,
    field_of,
    file_scanner,
    load_policy,
    open_client,
    open_database,
    open_output,
    stderr,
    upstream_settings,
    write_output,
)
from pycustoms.cli.readers import database_label
from pycustoms.config import Policy, load_config
from pycustoms.errors import UsageError
from pycustoms.policy import fails
from pycustoms.report.document import document
from pycustoms.types import Severity
from pycustoms.upstream.parse import now_utc
from pycustoms.upstream.pipconf import pip_trusted_hosts
from pycustoms.upstream.settings import UpstreamSettings
from pycustoms.vulns.interface import VulnerabilitySource
from pycustoms.vulns.osv import OsvSource
from pycustoms.vulns.pypi import PypiSource
from pycustoms.vulns.update import open_offline_source

if TYPE_CHECKING:
    from pycustoms.db import Database

_VULN_RULES = ("vulns/",)
# What --fix-hashes can say what it changed in (it writes no audit report).
_FIX_FORMATS = ("human", "json")


def register(subparsers: Any) -> None:
    """Add the `audit` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="audit lock files or an environment: pins, hashes, names, releases, vulnerabilities",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="requirements*.txt, pylock*.toml, uv.lock, poetry.lock, Pipfile.lock, pdm.lock "
        "or pyproject.toml",
    )
    parser.add_argument(
        "--env",
        nargs="?",
        const="",
        default=env_default("AUDIT_ENV"),
        metavar="PATH",
        help=env_help(
            "audit an installed environment (a venv or interpreter; the current one if no "
            "PATH, or an empty variable)",
            "AUDIT_ENV",
        ),
    )
    parser.add_argument(
        "--input-format",
        choices=[f.value for f in FILE_FORMATS],
        default=env_default("AUDIT_INPUT_FORMAT"),
        help=env_help("format of the FILEs (default: from the file name)", "AUDIT_INPUT_FORMAT"),
    )
    add_field_option(
        parser,
        field_of(AUDIT_FIELDS, "--vuln-source"),
        "repeatable; default: offline",
        action="append",
        choices=VULN_SOURCES,
    )
    add_field_option(parser, field_of(AUDIT_FIELDS, "--osv-url"))
    add_field_option(
        parser,
        field_of(AUDIT_FIELDS, "--severity-threshold"),
        "default: low",
        choices=[s.label for s in Severity],
    )
    add_allow_unverified(parser, "exit normally when some checks could not run (marked)")
    parser.add_argument(
        "--no-index",
        action="store_true",
        default=env_flag("NO_INDEX"),
        help=env_help(
            "skip the checks that ask the index (hashes, release risk, names)", "NO_INDEX"
        ),
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        default=env_flag("DEEP"),
        help=env_help("download every locked file, verify its hash and scan it", "DEEP"),
    )
    parser.add_argument(
        "--fix-hashes",
        nargs="*",
        type=Path,
        default=_env_paths("AUDIT_FIX_HASHES"),
        metavar="FILE",
        help=env_help(
            "add sha256 hashes (of scanned files) to exact pins in these requirements files "
            "and in the FILE arguments, instead of auditing; --format human or json says "
            f"what changed (variable: paths separated by '{os.pathsep}')",
            "AUDIT_FIX_HASHES",
        ),
    )
    add_index_options(parser)
    add_data_options(parser, database_url=True)
    parser.add_argument(
        "--trusted-host",
        action="append",
        default=[],
        metavar="HOST",
        help=env_help("trust this index host; repeatable (variable: a list)", "TRUSTED_HOSTS"),
    )
    add_common_options(parser, FORMATS)
    parser.set_defaults(handler=run)


_Opener = Callable[[], "Database"]


class _SharedDatabase:
    """The local database, opened on first use and once for every part of the audit.

    A database named by `--data-dir`, `--database-url`, their variables or the
    configuration must exist: a mistyped one would otherwise be created empty
    and read as "no advisories, no publisher history". The default one is
    created on first use, so that a first run works.
    """

    def __init__(self, upstream: UpstreamSettings, stack: ExitStack) -> None:
        self._upstream = upstream
        self._stack = stack
        self._opened: Database | None = None

    def __call__(self) -> Database:
        if self._opened is None:
            named = self._upstream.data_dir is not None or self._upstream.database_url is not None
            try:
                self._opened = self._stack.enter_context(
                    open_database(self._upstream, must_exist=named)
                )
            except UsageError as exc:
                raise UsageError(
                    f"{exc}. The audit reads advisories (--vuln-source offline) and publisher "
                    "history (index checks) from it: create it with `pycustoms db update` or "
                    "`pycustoms db import-osv DIR`, or leave --data-dir unset to use the "
                    "default one"
                ) from None
        return self._opened

    @property
    def label(self) -> str | None:
        """The database the audit read (its file for SQLite), or `None` when it read none."""
        return None if self._opened is None else database_label(self._upstream.database())


def _sources(
    settings: AuditSettings,
    upstream: UpstreamSettings,
    stack: ExitStack,
    database: _Opener,
    raw: Mapping[str, Any],
    *,
    fill: bool,
) -> list[VulnerabilitySource]:
    sources: list[VulnerabilitySource] = []
    for name in settings.vuln_sources:
        if name == "offline":
            # Asks the index's JSON API about releases the database lacks (not with --no-index).
            sources.append(open_offline_source(database(), upstream, raw, fill=fill))
        elif name == "osv":
            sources.append(OsvSource(settings.osv_url, timeout=upstream.timeout))
        else:
            sources.append(
                PypiSource(
                    upstream.resolved_index()[0],
                    timeout=upstream.timeout,
                    retries=upstream.retries,
                )
            )
        stack.callback(sources[-1].close)
    return sources


def run(args: argparse.Namespace) -> int:
    """Audit the inputs; render; exit 0, 1, 2 or 3."""
    policy = load_policy(args)
    loaded = load_config(config_file=args.config)
    flags = {
        "vuln_sources": tuple(args.vuln_source) if args.vuln_source else None,
        "osv_url": args.osv_url,
        "severity_threshold": args.severity_threshold,
    }
    settings = load_audit_settings(loaded.raw, os.environ, flags)
    upstream = upstream_settings(args, loaded.raw)
    if args.fix_hashes is not None:
        return _run_fix_hashes(args, upstream, policy)
    if not args.inputs and args.env is None:
        raise UsageError("name lock files to audit, or pass --env for an installed environment")
    fmt = InputFormat(args.input_format) if args.input_format else None
    inputs = [read_input(p, fmt) for p in args.inputs]
    if args.env is not None:
        inputs.append(read_environment(Path(args.env) if args.env else None, policy))
    trusted = tuple(
        dict.fromkeys([*pip_trusted_hosts(), *policy.trusted_hosts, *args.trusted_host])
    )
    with ExitStack() as stack:
        database = _SharedDatabase(upstream, stack)
        sources = _sources(settings, upstream, stack, database, loaded.raw, fill=not args.no_index)
        checker = None
        if not args.no_index:
            client = stack.enter_context(open_client(upstream))
            # Publisher continuity: decided from the database; --deep also verifies
            # the locked files' attestations and records releases that pass.
            provenance = AuditProvenance(
                database(),
                load_provenance_policy(loaded.raw, os.environ),
                upstream.data_path(),
                deep=args.deep,
            )
            checker = IndexChecker(
                client,
                policy,
                load_release_policy(loaded.raw, os.environ),
                now_utc(),
                scanner=file_scanner(client, policy) if args.deep else None,
                provenance=provenance,
            )
        report = run_audit(
            inputs,
            policy=policy,
            settings=settings,
            sources=sources,
            index=checker,
            options=AuditOptions(
                trusted_hosts=trusted,
                allow_unverified=args.allow_unverified,
                config_source=loaded.sources[-1] if loaded.sources else "configuration",
                database=database.label,
            ),
        )
    with open_output(args) as out:
        render(args.format, report, out, verbose=args.verbose, quiet=args.quiet)
    for warning in (w for status in report.source_status for w in status.warnings):
        stderr().print(f"warning: {warning}", style="yellow", markup=False)
    return audit_exit_code(report, policy, settings)


def _env_paths(name: str) -> list[Path] | None:
    """Paths from a `PYCUSTOMS_*` variable (separated like PATH), or `None` when unset."""
    value = env_default(name)
    return [Path(p) for p in str(value).split(os.pathsep) if p] if value else None


def _fix_targets(args: argparse.Namespace) -> list[Path]:
    """The requirements files `--fix-hashes` rewrites; anything else asked is a usage error."""
    if args.env is not None:
        raise UsageError(
            "--fix-hashes rewrites requirements files and does not audit; audit --env in a "
            "separate run"
        )
    if args.format not in _FIX_FORMATS:
        raise UsageError(
            f"--fix-hashes reports what it changed as {' or '.join(_FIX_FORMATS)}, not "
            f"--format {args.format}"
        )
    paths = list(dict.fromkeys([*args.fix_hashes, *args.inputs]))
    if not paths:
        raise UsageError("--fix-hashes needs requirements files: name them after it or as FILEs")
    chosen = InputFormat(args.input_format) if args.input_format else None
    for path in paths:
        fmt = chosen or detect(path)
        if fmt is not InputFormat.REQUIREMENTS:
            raise UsageError(
                f"--fix-hashes adds hashes to requirements files; {path} is a {fmt.value} "
                "file, whose own tool records hashes. Nothing was changed"
            )
    return paths


def _run_fix_hashes(args: argparse.Namespace, upstream: UpstreamSettings, policy: Policy) -> int:
    """Exit 1 when a file was blocked, 3 when a file or some pins got no hashes, else 0."""
    paths = _fix_targets(args)
    with open_client(upstream) as client:
        done = fix_files(paths, client, file_scanner(client, policy))
    for item in done:
        if item.error is not None:
            errors().print(f"error: {item.error}", markup=False)
    if args.format == "json":
        body = document("audit-fix-hashes", {"files": [d.to_json() for d in done]})
        write_output(args, json.dumps(body, indent=2) + "\n")
    else:
        with open_output(args) as out:
            _fix_human(done, out)
    results = [d.result for d in done if d.result is not None]
    if any(r.blocked for r in results):
        return EXIT_FINDINGS
    incomplete = len(results) < len(done) or any(r.missing for r in results)
    return EXIT_INCOMPLETE if incomplete else EXIT_CLEAN


def _fix_human(done: list[FileFix], out: IO[str]) -> None:
    for item in done:
        if item.result is None:
            continue
        out.write(f"added hashes to {len(item.result.fixed)} pins in {item.path}\n")
        out.writelines(f"  blocked, not added: {line}\n" for line in item.result.blocked)
        out.writelines(f"  no hashes added: {line}\n" for line in item.result.missing)


def audit_exit_code(report: AuditReport, policy: Policy, settings: AuditSettings) -> int:
    """3 if something was not checked (and not allowed), 1 for failing findings, else 0."""
    if report.unverified and not report.allow_unverified:
        names = ", ".join(
            f"{r.dependency.name} {r.dependency.version or ''}".strip()
            for r in report.unverified[:10]
        )
        # Reasons with each dependency's name taken out, so that one reason is said once.
        reasons = sorted({shape(u, r.dependency) for r in report.unverified for u in r.unverified})
        errors().print(
            f"[bold red]could not complete[/bold red]: {len(report.unverified)} dependencies "
            f"not checked ({names}): {'; '.join(reasons[:3])}. Fix that source, choose another "
            "with --vuln-source, or pass --allow-unverified to report them as unverified"
        )
        return EXIT_INCOMPLETE
    verdicts = [r.verdict for r in report.results] + [v for _, v in report.input_verdicts]
    if any(fails(v, policy) for v in verdicts):
        return EXIT_FINDINGS
    for verdict in verdicts:
        for f in verdict.findings:
            if f.rule.startswith(_VULN_RULES) and f.severity >= settings.severity_threshold:
                return EXIT_FINDINGS
    return EXIT_CLEAN
