"""Reads and writes of the offline advisory database beyond plain lookups.

The database holds OSV records (from a whole-ecosystem archive, replaced as a
whole by the next archive, or imported with `db import-osv`), per-release
answers of the index's JSON API, and one row per change saying what kind of
change it was and whether it covers every project (`full`) or not (`partial`).
Every change is one transaction: a failed update leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, distinct, func, insert, select, tuple_
from sqlalchemy.orm import Session

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryImportRow, AdvisoryRecordRow, AdvisoryReleaseCheckRow
from pycustoms.vulns.interface import Coverage, Query
from pycustoms.vulns.match import OsvRecord

ARCHIVE = "archive"
IMPORT = "import"
JSON_API_KIND = "json-api"
# Rows per INSERT/DELETE statement: SQLite allows 32,766 bound parameters.
CHUNK = 500


def as_utc(value: datetime) -> datetime:
    """*value* with its time zone (SQLite returns naive datetimes: they are UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """What the offline advisory database holds, and how much of the ecosystem it covers.

    `origin` and `as_of` describe the whole-ecosystem archive of a `full`
    database; `updated_at` is the last change of any kind.
    """

    coverage: Coverage
    origin: str | None
    as_of: datetime | None
    updated_at: datetime | None
    advisories: int
    projects: int
    imported_records: int
    releases_checked: int

    def to_json(self) -> dict[str, Any]:
        """The JSON form of `pycustoms db status`."""
        return {
            "coverage": self.coverage.value,
            "origin": self.origin,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "advisories": self.advisories,
            "projects": self.projects,
            "imported_records": self.imported_records,
            "releases_checked": self.releases_checked,
        }


@dataclass(frozen=True, slots=True)
class ReleaseCheck:
    """A per-release answer: the records that affect the release, when and where from."""

    records: tuple[OsvRecord, ...]
    checked_at: datetime
    source: str


def read_state(session: Session) -> DatabaseState:
    """The coverage and counts of the database *session* reads."""
    archive = session.execute(
        select(AdvisoryImportRow.source, AdvisoryImportRow.as_of, AdvisoryImportRow.imported_at)
        .where(AdvisoryImportRow.kind == ARCHIVE, AdvisoryImportRow.coverage == Coverage.FULL)
        .order_by(AdvisoryImportRow.id.desc())
        .limit(1)
    ).first()
    advisories, projects = session.execute(
        select(
            func.count(distinct(AdvisoryRecordRow.advisory_id)),
            func.count(distinct(AdvisoryRecordRow.package)),
        )
    ).one()
    imported = session.scalar(
        select(func.count())
        .select_from(AdvisoryRecordRow)
        .where(AdvisoryRecordRow.origin == IMPORT)
    )
    checked = session.scalar(select(func.count()).select_from(AdvisoryReleaseCheckRow))
    updated = session.scalar(select(func.max(AdvisoryImportRow.imported_at)))
    if archive is not None:
        coverage = Coverage.FULL
    elif advisories or checked:
        coverage = Coverage.PARTIAL
    else:
        coverage = Coverage.EMPTY
    return DatabaseState(
        coverage=coverage,
        origin=archive.source if archive is not None else None,
        as_of=as_utc(archive.as_of or archive.imported_at) if archive is not None else None,
        updated_at=as_utc(updated) if updated is not None else None,
        advisories=int(advisories or 0),
        projects=int(projects or 0),
        imported_records=int(imported or 0),
        releases_checked=int(checked or 0),
    )


def records_of(session: Session, names: Iterable[str]) -> dict[str, list[OsvRecord]]:
    """Every stored record about each of *names* (one indexed query per 500 names)."""
    wanted = sorted(set(names))
    out: dict[str, list[OsvRecord]] = {n: [] for n in wanted}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(AdvisoryRecordRow.package, AdvisoryRecordRow.data).where(
                AdvisoryRecordRow.package.in_(wanted[start : start + CHUNK])
            )
        )
        for package, data in rows:
            out[package].append(OsvRecord.from_json(data))
    return out


def checks_of(session: Session, queries: Sequence[Query]) -> dict[Query, ReleaseCheck]:
    """The stored per-release answers for *queries* that have one."""
    out: dict[Query, ReleaseCheck] = {}
    keys = sorted({(q.name, q.version) for q in queries})
    for start in range(0, len(keys), CHUNK):
        rows = session.scalars(
            select(AdvisoryReleaseCheckRow).where(
                tuple_(AdvisoryReleaseCheckRow.package, AdvisoryReleaseCheckRow.version).in_(
                    keys[start : start + CHUNK]
                )
            )
        )
        for row in rows:
            out[Query(row.package, row.version)] = ReleaseCheck(
                tuple(OsvRecord.from_json(r) for r in row.records),
                as_utc(row.checked_at),
                row.source,
            )
    return out


def checked_releases(session: Session) -> list[Query]:
    """Every release the database holds a per-release answer for."""
    rows = session.execute(
        select(AdvisoryReleaseCheckRow.package, AdvisoryReleaseCheckRow.version)
    ).all()
    return sorted(Query(package, version) for package, version in rows)


class RecordWriter:
    """Streams OSV records of one *origin* into a transaction, a batch at a time.

    A record replaces any stored copy of the same (advisory, package), whatever
    its origin: the newest copy wins. Rows of one file are written together, so
    a later copy of an advisory replaces all of its rows, never half of them.
    """

    def __init__(self, session: Session, origin: str, *, batch: int = CHUNK) -> None:
        self.session = session
        self.origin = origin
        self.batch = batch
        self.keys: set[tuple[str, str]] = set()
        self._pending: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, records: Iterable[tuple[OsvRecord, str | None]]) -> None:
        """Queue the records of one file; write when a batch is full."""
        for record, modified in records:
            key = (record.id, record.package)
            self.keys.add(key)
            self._pending[key] = {
                "advisory_id": record.id,
                "package": record.package,
                "modified": modified,
                "data": record.to_json(),
                "origin": self.origin,
            }
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write what is queued."""
        ids = sorted({advisory for advisory, _ in self._pending})
        for start in range(0, len(ids), CHUNK):
            self.session.execute(
                delete(AdvisoryRecordRow).where(
                    AdvisoryRecordRow.advisory_id.in_(ids[start : start + CHUNK])
                )
            )
        rows = list(self._pending.values())
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(AdvisoryRecordRow), rows[start : start + CHUNK])
        self._pending.clear()

    @property
    def advisories(self) -> int:
        """Distinct advisory ids written."""
        return len({advisory for advisory, _ in self.keys})

    @property
    def projects(self) -> int:
        """Distinct projects written."""
        return len({package for _, package in self.keys})


def drop_archive_records(session: Session) -> None:
    """Delete the records of the previous archive (an archive replaces the last one)."""
    session.execute(delete(AdvisoryRecordRow).where(AdvisoryRecordRow.origin == ARCHIVE))


def store_checks(
    db: Database,
    answers: Mapping[Query, Sequence[OsvRecord]],
    *,
    source: str,
    now: datetime | None = None,
) -> None:
    """Store per-release answers (replacing earlier ones) and record the change, atomically."""
    if not answers:
        return
    when = now or datetime.now(UTC)
    keys = sorted((q.name, q.version) for q in answers)
    with db.session() as session, session.begin():
        for start in range(0, len(keys), CHUNK):
            session.execute(
                delete(AdvisoryReleaseCheckRow).where(
                    tuple_(AdvisoryReleaseCheckRow.package, AdvisoryReleaseCheckRow.version).in_(
                        keys[start : start + CHUNK]
                    )
                )
            )
        rows = [
            {
                "package": query.name,
                "version": query.version,
                "checked_at": when,
                "source": source,
                "records": [r.to_json() for r in records],
            }
            for query, records in sorted(answers.items())
        ]
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(AdvisoryReleaseCheckRow), rows[start : start + CHUNK])
        session.add(
            AdvisoryImportRow(
                source=source,
                imported_at=when,
                records=len({r.id for records in answers.values() for r in records}),
                kind=JSON_API_KIND,
                coverage=Coverage.PARTIAL.value,
                projects=len({q.name for q in answers}),
                as_of=when,
            )
        )
