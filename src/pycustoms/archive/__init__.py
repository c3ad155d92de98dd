"""Safe, bounded reading of distribution archives and source directories.

- `reader`: the public entry points (`open_package`, `PackageReader`,
  `expand_targets`) and the findings an archive itself can raise;
- `base`: limits, `Member`, format sniffing and the checks on member names;
- `walk`: one walker over zip, tar and directory members, with every limit;
- `layout`: the byte-level layout checks (polyglots, trailing data, overlaps);
- `stream`: reading a wheel while it is still being downloaded.

Nothing here imports, builds or runs package code, and nothing is extracted.
"""

from __future__ import annotations

from pycustoms.archive.base import (
    DUPLICATE,
    NESTED_TOO_DEEP,
    NESTED_UNSAFE,
    SYMLINK,
    UNSCANNABLE,
    Limits,
    Member,
    looks_native,
)
from pycustoms.archive.reader import (
    RULES,
    EmbeddedArchives,
    PackageReader,
    detect_kind,
    expand_targets,
    nested_from_text,
    open_package,
)

__all__ = [
    "DUPLICATE",
    "NESTED_TOO_DEEP",
    "NESTED_UNSAFE",
    "RULES",
    "SYMLINK",
    "UNSCANNABLE",
    "EmbeddedArchives",
    "Limits",
    "Member",
    "PackageReader",
    "detect_kind",
    "expand_targets",
    "looks_native",
    "nested_from_text",
    "open_package",
]
