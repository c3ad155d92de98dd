"""Path display shared by the formats."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def relative(target: str, base: Path) -> str:
    """*target* relative to *base* when it lies below it, in POSIX form; else as given."""
    path = Path(target)
    try:
        rel = path.resolve().relative_to(base.resolve())
    except (ValueError, OSError):
        return path.as_posix()
    return rel.as_posix() if str(rel) != "." else path.resolve().name


def scanned_root(targets: Sequence[str], base: Path) -> Path:
    """The directory that locations are written relative to (SARIF's `%SRCROOT%`).

    *base* (the current directory: a repository's root in CI) when every target
    lies at or below it, so that code scanning maps each path to a file of the
    repository; otherwise the deepest directory holding every target (a scanned
    directory itself, or an archive's folder).
    """
    root = base.resolve()
    paths = [Path(t).resolve() for t in targets]
    if all(p == root or p.is_relative_to(root) for p in paths):
        return root
    folders = [str(p if p.is_dir() else p.parent) for p in paths]
    return Path(os.path.commonpath(folders))


def below(target: str, root: Path, member: str | None = None) -> str:
    """The relative URI of *target* (and *member*, a file below a directory target) under *root*.

    *root* must hold *target* (see `scanned_root`); the result has no `./` and
    never climbs out of *root*.
    """
    rel = Path(target).resolve().relative_to(root).as_posix()
    parts = [p for p in (rel, member) if p and p != "."]
    return "/".join(parts) or "."
