"""Path display shared by the formats."""

from __future__ import annotations

from pathlib import Path


def relative(target: str, base: Path) -> str:
    """*target* relative to *base* when it lies below it, in POSIX form; else as given."""
    path = Path(target)
    try:
        rel = path.resolve().relative_to(base.resolve())
    except (ValueError, OSError):
        return path.as_posix()
    return rel.as_posix() if str(rel) != "." else path.resolve().name
