"""The scan pipeline: target path -> archive reader -> code analyzer -> policy -> result.

`scan_target` is what the CLI, the audit (`--deep`) and the firewall index call
for every file. It never raises for a bad package: anything that cannot be read
or analysed becomes a blocking finding (fail closed) and `ScanResult.error`.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

from pycustoms.analyzers.code import CodeReport
from pycustoms.analyzers.code.analyze import analyze_package
from pycustoms.analyzers.code.diff import capability_findings
from pycustoms.analyzers.secrets import member_secrets
from pycustoms.archive import Limits, Member, looks_native, open_package
from pycustoms.archive.stream import DownloadFailed, GrowingFile, StreamedWheel
from pycustoms.archive.walk import ArchiveWalker
from pycustoms.config import Policy
from pycustoms.errors import ConfigError, PycustomsError, TargetError
from pycustoms.policy import decide
from pycustoms.pools import process_pool
from pycustoms.rules import Rule
from pycustoms.settings_base import env_bool
from pycustoms.types import Finding, PackageKind, ScanResult, Severity

SCAN_ERROR = "scan/error"
# Single files scanned as code; any other lone file is not something to judge.
_SOURCE_SUFFIXES = (".py", ".pyw", ".pth")
# Binary members (compiled code, or data with NUL bytes) larger than this are
# judged on their first 256 KiB: headers, and the strings a dropper puts up
# front; their full size still shows in the report. Decompressing hundreds of
# megabytes of compiled libraries per wheel dominated scan time (p50 per wheel
# 28 ms at 8 MiB, 20 ms at 1 MiB, 17 ms at 256 KiB on the mirror corpus) and
# found nothing the code that loads such a file does not reveal: a payload
# hidden in a data file still needs Python that reads and runs it, and a binary
# in a pure-Python package is judged by its header.
BINARY_HEAD_BYTES = 256 * 1024

RULES = (
    Rule(
        SCAN_ERROR,
        Severity.CRITICAL,
        "The scan could not complete",
        "pycustoms could not read or analyse this target; it is blocked rather than "
        "passed unchecked (fail closed).",
    ),
)


def limits_for(policy: Policy) -> Limits:
    """The archive limits configured in *policy*."""
    return Limits(
        max_members=policy.max_members,
        max_total_bytes=policy.max_total_bytes,
        max_file_bytes=policy.max_file_bytes,
        max_ratio=policy.max_ratio,
        max_depth=policy.max_depth,
    )


def analyze_target(
    path: Path, policy: Policy, *, secrets: bool = False
) -> tuple[CodeReport, list[Finding]]:
    """Read *path* and run the code analyzer; return its report and the reader's problems.

    With *secrets*, every member is also searched for live-looking secrets (their
    findings join the problems). Raises `PycustomsError` when the target itself
    cannot be opened (missing, unreadable) or is not something to scan; hostile
    archive content is reported as findings instead.
    """
    limits = limits_for(policy)
    reader = open_package(path, limits, max_binary_bytes=BINARY_HEAD_BYTES)
    if reader.kind is PackageKind.FILE and not path.name.lower().endswith(_SOURCE_SUFFIXES):
        raise TargetError(
            f"{path}: not a wheel, sdist, egg, source tree or Python file; nothing was checked"
        )
    found: list[Finding] = []

    def members() -> Iterator[Member]:
        for member in reader.members():
            if secrets:
                found.extend(member_secrets(member))
            yield member

    report = analyze_package(reader.kind, members(), limits=limits, project=project_of(path.name))
    if report.files == 0 and not reader.problems:
        raise TargetError(f"{path}: holds no files to scan; nothing was checked")
    return report, [*reader.problems, *found]


def project_of(filename: str) -> str | None:
    """The project name a distribution's file name gives, or None."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[0])
        if filename.endswith((".tar.gz", ".zip", ".tgz", ".tar.bz2")):
            return str(parse_sdist_filename(filename.replace(".tgz", ".tar.gz"))[0])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return filename.split("-", 1)[0] or None
    return None


def _error_result(target: str, message: str) -> ScanResult:
    finding = Finding(SCAN_ERROR, Severity.CRITICAL, message, file=None)
    return ScanResult(target, decide([finding], Policy()), error=message)


def _debug() -> bool:
    """`PYCUSTOMS_DEBUG`: print the traceback of an analyzer defect (a typo in it: print)."""
    try:
        return env_bool("DEBUG")
    except ConfigError:
        return True


def scan_target(path: Path, policy: Policy, *, secrets: bool = False) -> ScanResult:
    """Scan one target (archive, directory or file) and judge it under *policy*.

    *secrets*: also report live-looking secrets (`analyzers.secrets`).
    """
    target = str(path)
    try:
        report, problems = analyze_target(path, policy, secrets=secrets)
    except PycustomsError as exc:
        return _error_result(target, str(exc))
    except Exception as exc:  # noqa: BLE001 - fail closed on any analyzer defect, with a trace
        detail = "".join(traceback.format_exception_only(exc)).strip()
        if _debug():
            traceback.print_exc(file=sys.stderr)
        return _error_result(target, f"internal error while scanning: {detail}")
    return _judged(target, report, problems, policy)


def scan_streaming(path: Path, policy: Policy, *, stall_seconds: float = 120.0) -> ScanResult:
    """Scan the wheel at *path* while another process is still downloading it.

    The download's end is signalled by the marker files of `archive.stream`.
    The verdict is the one `scan_target` reaches on the finished file: when the
    streamed reading cannot be confirmed against the wheel's central directory,
    the finished file is scanned the ordinary way. A failed download gives an
    error result (nothing is judged clean).
    """
    limits = limits_for(policy)
    problems: list[Finding] = []
    walker = ArchiveWalker(limits, problems, BINARY_HEAD_BYTES, looks_native)
    try:
        with GrowingFile(path, stall_seconds=stall_seconds) as source:
            stream = StreamedWheel(source, walker)
            try:
                report = analyze_package(
                    PackageKind.WHEEL,
                    stream.members(),
                    limits=limits,
                    project=project_of(path.name),
                )
            except DownloadFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - judged again below, the ordinary way
                stream.failed = f"analysis stopped: {type(exc).__name__}"
            confirmed = stream.confirm()
    except DownloadFailed as exc:
        return _error_result(str(path), f"{path.name}: {exc}")
    except OSError as exc:
        return _error_result(str(path), f"{path.name}: cannot read the download ({exc.strerror})")
    if not confirmed:
        return scan_target(path, policy)
    return _judged(str(path), report, problems, policy)


def _judged(target: str, report: CodeReport, problems: list[Finding], policy: Policy) -> ScanResult:
    """The result of a completed analysis, judged under *policy*."""
    verdict = decide([*report.findings, *problems], policy)
    return ScanResult(
        target,
        verdict,
        capabilities=report.capabilities,
        files_scanned=report.files,
        bytes_scanned=report.bytes,
    )


def _scan_one(args: tuple[Path, Policy, bool]) -> ScanResult:
    path, policy, secrets = args
    return scan_target(path, policy, secrets=secrets)


def scan_targets(
    paths: Sequence[Path],
    policy: Policy,
    *,
    jobs: int | None = None,
    on_result: Callable[[ScanResult], None] | None = None,
    secrets: bool = False,
) -> list[ScanResult]:
    """Scan *paths* with up to *jobs* worker processes; results keep the input order.

    *on_result* is called in the parent as each result arrives (for progress bars).
    """
    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))
    if workers == 1:
        results = []
        for path in paths:
            result = scan_target(path, policy, secrets=secrets)
            if on_result:
                on_result(result)
            results.append(result)
        return results
    out: list[ScanResult] = []
    with process_pool(workers) as pool:
        # chunksize 1: packages vary from kilobytes to hundreds of megabytes.
        work = [(p, policy, secrets) for p in paths]
        for result in pool.map(_scan_one, work, chunksize=1):
            if on_result:
                on_result(result)
            out.append(result)
    return out


def diff_targets(old: Path, new: Path, policy: Policy) -> ScanResult:
    """Scan *old* and *new*; judge *new* with the capabilities it gained as extra findings."""
    before = scan_target(old, policy)
    after = scan_target(new, policy)
    if before.error or after.error:
        return after if after.error else _error_result(str(new), f"{old}: {before.error}")
    gained = capability_findings(before.capabilities, after.capabilities, previous=Path(old).name)
    findings = [*after.verdict.findings, *gained]
    return ScanResult(
        after.target,
        decide(findings, policy),
        capabilities=after.capabilities,
        files_scanned=after.files_scanned,
        bytes_scanned=after.bytes_scanned,
    )
