"""`pyproject.toml`: `[project]` dependencies, optional dependencies and PEP 735 groups.

These are declarations, not locks: ranges are expected, so a range here is
reported at a lower severity than in a lock (see `audit.checks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pycustoms.audit.inputs.interface import InputReader, LineFinder, read_toml
from pycustoms.audit.inputs.requirements import parse_requirement
from pycustoms.audit.model import AuditInput, Dependency, InputFormat
from pycustoms.errors import TargetError


def _group_items(groups: Mapping[str, Any], name: str, seen: tuple[str, ...]) -> list[str]:
    """The requirement strings of dependency group *name*, `include-group`s expanded."""
    if name in seen:
        raise ValueError(f"dependency group {name!r} includes itself")
    out: list[str] = []
    for item in groups.get(name, []) or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("include-group"), str):
            out += _group_items(groups, item["include-group"], (*seen, name))
    return out


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
    groups = document.get("dependency-groups", {}) or {}
    errors: list[str] = []
    for group in groups:
        try:
            wanted += [(r, (f"group:{group}",)) for r in _group_items(groups, group, ())]
        except ValueError as exc:
            errors.append(f"{source}: {exc}")
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
