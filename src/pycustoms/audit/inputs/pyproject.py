"""`pyproject.toml`: `[project]` dependencies, optional dependencies and PEP 735 groups.

These are declarations, not locks: ranges are expected, so a range here is
reported at a lower severity than in a lock (see `audit.checks`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.dependency_groups import DependencyGroupResolver
from packaging.requirements import InvalidRequirement, Requirement

from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_toml
from pycustoms.audit.inputs.requirements import parse_requirement
from pycustoms.audit.model import AuditInput, Dependency, InputFormat
from pycustoms.errors import TargetError


def _groups(groups: Any, source: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """The requirement strings of every PEP 735 group (includes expanded), and the errors.

    `packaging.dependency_groups` resolves includes, normalises group names and
    finds cycles; the requirements keep the text the file has, so that their line
    can be found.
    """
    if not isinstance(groups, Mapping):
        return [], [f"{source}: [dependency-groups] must be a table"]
    written: dict[str, str] = {}
    for items in groups.values():
        for item in items if isinstance(items, list) else ():
            if isinstance(item, str):
                with contextlib.suppress(InvalidRequirement):
                    written.setdefault(str(Requirement(item)), item)
    wanted: list[tuple[str, tuple[str, ...]]] = []
    errors: list[str] = []
    try:
        resolver = DependencyGroupResolver(groups)
    except ExceptionGroup as exc:
        return [], [f"{source}: {exc.message}: {e}" for e in exc.exceptions]
    for group in groups:
        try:
            found = resolver.resolve(group)
        except ExceptionGroup as exc:
            errors += [f"{source}: {exc.message}: {e}" for e in exc.exceptions]
            continue
        except (LookupError, ValueError) as exc:
            errors.append(f"{source}: dependency group {group!r}: {exc}")
            continue
        wanted += [(written.get(str(r), str(r)), (f"group:{group}",)) for r in found]
    return wanted, errors


def parse_pyproject(document: Mapping[str, Any], text: str, source: str) -> AuditInput:
    """Dependencies declared by a parsed pyproject.toml; every bad entry reported at once."""
    project = document.get("project", {})
    if not isinstance(project, Mapping):
        raise TargetError(f"{source}: [project] must be a table")
    lines = LineFinder(text)
    wanted: list[tuple[str, tuple[str, ...]]] = [
        (r, ()) for r in project.get("dependencies", []) or []
    ]
    optional = project.get("optional-dependencies", {}) or {}
    for extra, items in optional.items():
        wanted += [(r, (f"extra:{extra}",)) for r in items]
    in_groups, errors = _groups(document.get("dependency-groups", {}) or {}, source)
    wanted += in_groups
    deps: list[Dependency] = []
    for text_req, group_names in wanted:
        line = lines.find(f'"{text_req}"') or lines.find(f"'{text_req}'")
        try:
            dep = parse_requirement(str(text_req), source, line or 0)
        except ValueError as exc:
            errors.append(f"{source}:{line or '?'}: {text_req!r} is not a requirement ({exc})")
            continue
        deps.append(replace(dep, line=line, groups=group_names, direct=True))
    if errors:
        raise TargetError("; ".join(errors))
    return AuditInput(source, InputFormat.PYPROJECT, tuple(deps))


class PyprojectReader(InputReader):
    """The dependencies a `pyproject.toml` declares."""

    format = InputFormat.PYPROJECT

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Exactly `pyproject.toml`."""
        return filename == "pyproject.toml"

    def read(self, path: Path) -> AuditInput:
        """Read *path*."""
        document, text = read_toml(path)
        return parse_pyproject(document, text, str(path))


READER = PyprojectReader()
