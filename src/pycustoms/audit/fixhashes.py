"""`pycustoms audit --fix-hashes FILE`: add `--hash` lines to exact pins that have none.

Each file of the pinned version is downloaded, verified and scanned first; a
blocked file is not added and is reported. Every other byte of the file stays
as it was (line endings included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from pycustoms.atomic import write_atomic
from pycustoms.audit.inputs.requirements import _split_options, logical_lines, parse_requirement
from pycustoms.audit.model import DependencyKind
from pycustoms.errors import TargetError
from pycustoms.types import Decision, ScanResult
from pycustoms.upstream.client import UpstreamClient
from pycustoms.upstream.errors import NotFoundError
from pycustoms.upstream.models import IndexFile


@dataclass(frozen=True, slots=True)
class FixResult:
    """What `fix_hashes` did: pins fixed, files refused and pins left alone (with reasons)."""

    fixed: tuple[str, ...]
    blocked: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileFix:
    """The outcome for one file of `fix_files`: its result, or why it was not touched."""

    path: Path
    result: FixResult | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `--format json` entry of this file."""
        result = self.result or FixResult((), (), ())
        return {
            "path": str(self.path),
            "fixed": list(result.fixed),
            "blocked": list(result.blocked),
            "missing": list(result.missing),
            "error": self.error,
        }


def fix_files(
    paths: Sequence[Path], client: UpstreamClient, scanner: Callable[[IndexFile], ScanResult]
) -> list[FileFix]:
    """`fix_hashes` on each of *paths*; a file that cannot be read is left alone and said so."""
    done: list[FileFix] = []
    for path in paths:
        try:
            done.append(FileFix(path, fix_hashes(path, client, scanner)))
        except TargetError as exc:
            done.append(FileFix(path, error=str(exc)))
    return done


def fix_hashes(
    path: Path, client: UpstreamClient, scanner: Callable[[IndexFile], ScanResult]
) -> FixResult:
    """Rewrite *path* in place with sha256 hashes for every exact pin that has none."""
    try:
        data = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise TargetError(f"{path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(
            f"{path} cannot be read as UTF-8 text ({exc}); nothing was changed"
        ) from None
    newline = "\r\n" if "\r\n" in data else "\n"
    lines = data.splitlines(keepends=True)
    additions: dict[int, list[str]] = {}
    fixed: list[str] = []
    blocked: list[str] = []
    missing: list[str] = []
    for statement in logical_lines(data):
        text, tokens = _split_options(statement.text)
        if not text or any(t.startswith("--hash") for t in tokens):
            continue
        try:
            dep = parse_requirement(text, str(path), statement.start)
        except ValueError:
            continue
        if dep.kind is not DependencyKind.REGISTRY or dep.version is None:
            continue
        pin = f"{dep.display_name}=={dep.version}"
        try:
            files = client.project_page(dep.name).files_by_version().get(Version(dep.version), [])
        except NotFoundError:
            missing.append(f"{pin}: the index has no project {dep.name}")
            continue
        except InvalidVersion:
            missing.append(f"{pin}: {dep.version!r} is not a PEP 440 version")
            continue
        if not files:
            missing.append(f"{pin}: the index has no files for this version")
            continue
        good: list[str] = []
        for item in files:
            result = scanner(item)
            if result.error or result.verdict.decision is Decision.BLOCK:
                blocked.append(
                    f"{item.filename}: {result.error or '; '.join(result.verdict.reasons)}"
                )
            elif item.sha256:
                good.append(item.sha256)
        if not good:
            missing.append(f"{pin}: every file of this version was refused")
            continue
        additions[statement.end] = sorted(set(good))
        fixed.append(pin)
    for end, digests in sorted(additions.items(), reverse=True):
        line = lines[end - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :] or ""
        comment = ""
        found = re.search(r"\s+#", body)
        if found is not None:
            body, comment = body[: found.start()], body[found.start() :]
        parts = [f"{body} \\"] + [f"    --hash=sha256:{d} \\" for d in digests]
        parts[-1] = parts[-1][:-2] + comment
        lines[end - 1] = newline.join(parts) + (ending or "")
    if additions:
        # Atomically: an interrupted run must not leave a user's file cut short.
        write_atomic(path, "".join(lines))
    return FixResult(tuple(fixed), tuple(blocked), tuple(missing))
