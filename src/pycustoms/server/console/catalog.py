"""The console's package list: every project the database knows, searchable and sortable.

A project is known once pycustoms scanned one of its files, served it to an
environment, blocked one of its releases or opened an incident for it.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Any, assert_never

from sqlalchemy import ColumnElement, func, select

from pycustoms.db.console import IncidentRow, ReleaseBlockRow
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.incident.stored import release_of
from pycustoms.server.console.data import iso
from pycustoms.types import normalize_name

LIMIT = 200
_SEPARATORS = re.compile(r"[-_.]+")


class Sort(enum.Enum):
    """The package list's orders."""

    RECENT = "recent"  # newest activity first
    FLAGGED = "flagged"  # most blocked or warned files and releases first
    NAME = "name"


def _like(column: Any, text: str) -> ColumnElement[bool]:
    """*column* contains *text*, the separators `-_.` matching one another (as in names)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%")
    pattern = "%" + _SEPARATORS.sub("_", escaped) + "%"  # `_` matches any one character
    return column.like(pattern, escape="\\")  # type: ignore[no-any-return]


def _row(project: str) -> dict[str, Any]:
    return {
        "project": project, "files": 0, "blocked_files": 0, "warned_files": 0,
        "installs": 0, "environments": 0, "blocked_releases": 0, "incidents": 0,
        "last": None,
    }  # fmt: skip


def _seen(item: dict[str, Any], when: datetime | None) -> None:
    if when is not None:
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if item["last"] is None or when > item["last"]:
            item["last"] = when


def _collect(db: Database, text: str) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    e, v, b = InstallEventRow, ScanVerdictRow, ReleaseBlockRow
    verdicts = select(v.filename, v.decision, v.scanned_at)
    installs = select(
        e.project, func.count(), func.count(func.distinct(e.environment)), func.max(e.at)
    ).group_by(e.project)
    blocks = select(b.project, func.count(), func.max(b.at)).group_by(b.project)
    incidents = select(IncidentRow.project, func.count()).group_by(IncidentRow.project)
    if text:  # narrowed in the database; the exact match on the name follows below
        verdicts = verdicts.where(_like(v.filename, text))
        installs = installs.where(_like(e.project, text))
        blocks = blocks.where(_like(b.project, text))
        incidents = incidents.where(_like(IncidentRow.project, text))
    with db.session() as session:
        for filename, decision, at in session.execute(verdicts):
            release = release_of(filename)
            if release is None:
                continue
            item = rows.setdefault(release[0], _row(release[0]))
            item["files"] += 1
            item["blocked_files"] += decision == "block"
            item["warned_files"] += decision == "warn"
            _seen(item, at)
        for project, n, envs, last in session.execute(installs):
            item = rows.setdefault(project, _row(project))
            item["installs"], item["environments"] = n, envs
            _seen(item, last)
        for project, n, last in session.execute(blocks):
            item = rows.setdefault(project, _row(project))
            item["blocked_releases"] = n
            _seen(item, last)
        for project, n in session.execute(incidents):
            rows.setdefault(project, _row(project))["incidents"] = n
    return rows


def _flags(item: dict[str, Any]) -> int:
    return int(
        item["blocked_files"] + item["warned_files"] + item["blocked_releases"] + item["incidents"]
    )


def packages(
    db: Database, text: str = "", sort: Sort = Sort.RECENT, limit: int = LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Known projects whose normalised name contains *text* (all when empty), in *sort*
    order: the first *limit* rows and how many matched in all."""
    wanted = normalize_name(text.strip()) if text.strip() else ""
    found = [r for p, r in _collect(db, wanted).items() if wanted in p]
    match sort:
        case Sort.RECENT:
            found.sort(key=lambda r: (-r["last"].timestamp() if r["last"] else 0, r["project"]))
        case Sort.FLAGGED:
            found.sort(key=lambda r: (-_flags(r), r["project"]))
        case Sort.NAME:
            found.sort(key=lambda r: r["project"])
        case _:
            assert_never(sort)
    for r in found[:limit]:
        r["last"] = iso(r["last"])
    return found[:limit], len(found)
