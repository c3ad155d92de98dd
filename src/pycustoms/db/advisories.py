"""Tables of the offline vulnerability database: OSV records, updates, per-release answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pycustoms.db.models import Base


class AdvisoryRecordRow(Base):
    """One OSV record as it applies to one PyPI package (compact JSON, see `vulns.match`)."""

    __tablename__ = "advisory_records"
    __table_args__ = (
        UniqueConstraint("advisory_id", "package", name="uq_advisory_package"),
        Index("ix_advisory_records_package", "package"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    advisory_id: Mapped[str] = mapped_column(String(128))
    package: Mapped[str] = mapped_column(String(256))
    modified: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[Any] = mapped_column(JSON)
    # `archive` (a whole-ecosystem update, replaced by the next) or `import` (import-osv).
    origin: Mapped[str] = mapped_column(String(16), server_default="import")


class AdvisoryImportRow(Base):
    """One change of the database (`db import-osv`, `db update`, an audit's fill).

    `kind` is `import`, `archive` or `json-api`; `coverage` is `full` only for a
    whole-ecosystem archive. `as_of` is how current the data was when stored.
    """

    __tablename__ = "advisory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(2048))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    records: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), server_default="import")
    coverage: Mapped[str] = mapped_column(String(16), server_default="partial")
    projects: Mapped[int | None] = mapped_column(Integer, nullable=True)
    as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AdvisoryReleaseCheckRow(Base):
    """What a per-release source (the index's JSON API) said about one release, and when."""

    __tablename__ = "advisory_release_checks"
    __table_args__ = (UniqueConstraint("package", "version", name="uq_release_check"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(128))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(2048))
    # The records that affect this release (compact JSON, see `vulns.match`); may be empty.
    records: Mapped[Any] = mapped_column(JSON)
