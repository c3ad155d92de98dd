"""Tables of the offline vulnerability database: OSV records per package, and imports."""

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


class AdvisoryImportRow(Base):
    """One `pycustoms db import-osv` run: where from, when, how many records."""

    __tablename__ = "advisory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(2048))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    records: Mapped[int] = mapped_column(Integer)
