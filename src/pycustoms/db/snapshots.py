"""Snapshots of what was seen of a project, so that changes since the last look are findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from pycustoms.db.models import ProjectSnapshotRow
from pycustoms.db.session import Database
from pycustoms.types import ProjectName


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One look at a project: owners, release list, provenance presence, PEP 792 status."""

    index_url: str
    project: ProjectName
    seen_at: datetime
    versions: tuple[str, ...]
    owners: frozenset[str] | None = None
    attested_versions: frozenset[str] | None = None
    status: str | None = None

    def same_facts(self, other: Snapshot) -> bool:
        """True when *other* saw the same project state (when and where it looked aside).

        `inspect` records a snapshot only when the state changed, so that looking
        again and again at a large project does not store its release list each time.
        """
        return (
            self.versions == other.versions
            and self.owners == other.owners
            and self.attested_versions == other.attested_versions
            and self.status == other.status
        )


def last_snapshot(db: Database, index_url: str, project: ProjectName) -> Snapshot | None:
    """The most recent snapshot of *project* on *index_url*, or `None` if never seen."""
    query = (
        select(ProjectSnapshotRow)
        .where(ProjectSnapshotRow.index_url == index_url, ProjectSnapshotRow.project == project)
        .order_by(ProjectSnapshotRow.seen_at.desc(), ProjectSnapshotRow.id.desc())
        .limit(1)
    )
    with db.session() as session:
        row = session.scalars(query).first()
        if row is None:
            return None
        seen = row.seen_at if row.seen_at.tzinfo else row.seen_at.replace(tzinfo=UTC)
        return Snapshot(
            index_url=row.index_url,
            project=ProjectName(row.project),
            seen_at=seen,
            versions=tuple(row.versions or ()),
            owners=frozenset(row.owners) if row.owners is not None else None,
            attested_versions=frozenset(row.attested_versions)
            if row.attested_versions is not None
            else None,
            status=row.status,
        )


def record_snapshot(db: Database, snapshot: Snapshot) -> None:
    """Store *snapshot*."""
    row = ProjectSnapshotRow(
        index_url=snapshot.index_url,
        project=snapshot.project,
        seen_at=snapshot.seen_at,
        versions=list(snapshot.versions),
        owners=sorted(snapshot.owners) if snapshot.owners is not None else None,
        attested_versions=sorted(snapshot.attested_versions)
        if snapshot.attested_versions is not None
        else None,
        status=snapshot.status,
    )
    with db.session() as session, session.begin():
        session.add(row)
