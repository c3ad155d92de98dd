"""The code analyzer: archive content to findings and capabilities.

Contract (pure: no I/O, no imports or execution of package code):

    analyze_package(kind, members) -> CodeReport

*members* is an iterable of `pycustoms.archive.Member` (path relative to the
package root, bytes, nesting depth). Each member is judged by the engines:
`ast_rules` (Python semantics; `pth` for `.pth` files), `text_stats`
(statistics), `py2_fallback` (patterns for files `ast` cannot parse) and
`yara_engine` (byte patterns over every file), in the file's `ExecContext`.
`package_rules` then adds findings about the package as a whole (binaries in a
pure-Python package, findings that combine across files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pycustoms.types import Capability, Finding

if TYPE_CHECKING:
    from pycustoms.analyzers.code.ast_links import Links


@dataclass(frozen=True, slots=True)
class FileReport:
    """What the engines found in one file."""

    path: str
    findings: tuple[Finding, ...] = ()
    capabilities: frozenset[Capability] = field(default_factory=frozenset)
    # Calls into other files of the package, and hits waiting for such a call.
    links: Links | None = None


@dataclass(frozen=True, slots=True)
class CodeReport:
    """What the code analyzer found in one package."""

    findings: tuple[Finding, ...]
    capabilities: frozenset[Capability]
    files: int
    bytes: int
