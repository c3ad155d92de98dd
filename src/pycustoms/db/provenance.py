"""Publisher identities of earlier releases, per project (provenance continuity).

One row per checked file: the publisher that signed it, or none (no provenance).
Files whose provenance was invalid or could not be checked are not recorded: a
history is what was proven, not what was claimed. Migration 0006 (branch
`provenance`) creates the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from packaging.version import InvalidVersion, Version
from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from pycustoms.analyzers.provenance.model import FileProvenance, Publisher, PublisherRecord, Status
from pycustoms.db.models import Base
from pycustoms.db.session import Database
from pycustoms.types import normalize_name


class ProvenanceRow(Base):
    """The proven publisher of one file (`attested` false: the file had no provenance)."""

    __tablename__ = "provenance_publishers"
    __table_args__ = (UniqueConstraint("project", "filename", name="uq_provenance_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(256), index=True)
    version: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attested: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    repository: Mapped[str | None] = mapped_column(String(512), nullable=True)
    workflow: Mapped[str | None] = mapped_column(String(512), nullable=True)
    environment: Mapped[str | None] = mapped_column(String(256), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _order(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def record_provenance(
    db: Database, project: str, version: str, files: Iterable[FileProvenance], now: datetime
) -> int:
    """Remember the proven outcome of *files*; return how many rows were written or updated."""
    name = normalize_name(project)
    written = 0
    with db.session() as session:
        for item in files:
            if item.status not in (Status.VERIFIED, Status.ABSENT):
                continue
            row = session.scalars(
                select(ProvenanceRow).where(
                    ProvenanceRow.project == name, ProvenanceRow.filename == item.filename
                )
            ).first()
            if row is None:
                row = ProvenanceRow(project=name, filename=item.filename)
                session.add(row)
            publisher = item.publisher if item.status is Status.VERIFIED else None
            row.version = version
            row.sha256 = item.sha256
            row.attested = publisher is not None
            row.kind = publisher.kind if publisher else None
            row.repository = publisher.repository if publisher else None
            row.workflow = publisher.workflow if publisher else None
            row.environment = publisher.environment if publisher else None
            row.recorded_at = now
            written += 1
        session.commit()
    return written


def _rows(db: Database, project: str) -> list[ProvenanceRow]:
    with db.session() as session:
        return list(
            session.scalars(
                select(ProvenanceRow).where(ProvenanceRow.project == normalize_name(project))
            ).all()
        )


def publisher_history(db: Database, project: str) -> list[PublisherRecord]:
    """What is known of *project*'s releases, oldest version first (no network)."""
    return _history(_rows(db, project))


def project_provenance(
    db: Database, project: str
) -> tuple[list[PublisherRecord], dict[str, FileProvenance]]:
    """*project*'s history and the recorded outcome of each of its files, in one query.

    The server's page filter calls this once per render: the history decides,
    the per-file outcomes stand in for files it has already checked.
    """
    rows = _rows(db, project)
    files = {
        row.filename: FileProvenance(
            row.filename,
            row.sha256,
            Status.VERIFIED if row.attested and row.kind else Status.ABSENT,
            Publisher(row.kind, row.repository, row.workflow, row.environment)
            if row.attested and row.kind
            else None,
        )
        for row in rows
    }
    return _history(rows), files


def provenance_token(db: Database) -> tuple[int, datetime | None]:
    """A token that changes whenever a record is written or updated (count, newest write)."""
    with db.session() as session:
        count, newest = session.execute(
            select(func.count(ProvenanceRow.id), func.max(ProvenanceRow.recorded_at))
        ).one()
    return int(count or 0), newest


def _history(rows: Iterable[ProvenanceRow]) -> list[PublisherRecord]:
    by_version: dict[str, set[Publisher]] = {}
    for row in rows:
        found = by_version.setdefault(row.version, set())
        if row.attested and row.kind:
            found.add(Publisher(row.kind, row.repository, row.workflow, row.environment))
    return [
        PublisherRecord(version, frozenset(found))
        for version, found in sorted(by_version.items(), key=lambda item: _order(item[0]))
    ]
