"""SQLAlchemy tables of the local database. Schema changes go through alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every pycustoms table."""


class ProjectSnapshotRow(Base):
    """What pycustoms saw of a project on an index at one moment."""

    __tablename__ = "project_snapshots"
    __table_args__ = (Index("ix_snapshots_lookup", "index_url", "project", "seen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    index_url: Mapped[str] = mapped_column(String(2048))
    project: Mapped[str] = mapped_column(String(256))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # JSON list of account names; NULL when the index does not publish owners.
    owners: Mapped[Any] = mapped_column(JSON, nullable=True)
    versions: Mapped[Any] = mapped_column(JSON)
    # JSON list of versions whose files carry provenance; NULL when unknown.
    attested_versions: Mapped[Any] = mapped_column(JSON, nullable=True)
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
