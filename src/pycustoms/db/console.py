"""Tables of the console: token roles, the audit log, quarantine decisions, release blocks,
incidents and environments reported from outside the index.

They share `Base` with `db.models`; migration 0007 (branch `firewall`) creates them and
adds the indexes the incident query needs to `install_events`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pycustoms.db.models import Base


class TokenRoleRow(Base):
    """The console role of a token (`reader`, `approver`, `admin`); install tokens have none."""

    __tablename__ = "console_token_roles"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class AuditRow(Base):
    """One state change: who, when, what, on what, and why."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(512))
    reason: Mapped[str] = mapped_column(String(2048))
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)


class QuarantineDecisionRow(Base):
    """A human decision on a file the scanner blocked: `approve` serves it, `deny` keeps it out."""

    __tablename__ = "console_quarantine"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(2048))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReleaseBlockRow(Base):
    """A release blocked after the fact: by hand, by a rescan, or by a malware advisory."""

    __tablename__ = "console_release_blocks"
    __table_args__ = (Index("ix_console_release_blocks_project", "project", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(256))
    version: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(2048))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentRow(Base):
    """A served release found bad later: detected once, notified once."""

    __tablename__ = "console_incidents"
    __table_args__ = (UniqueConstraint("project", "version", name="uq_console_incident"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(2048))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    environments: Mapped[int] = mapped_column(Integer)
    summary: Mapped[Any] = mapped_column(JSON, nullable=True)


class ReportedDistRow(Base):
    """One distribution of an environment reported with `pycustoms report` (latest report wins)."""

    __tablename__ = "console_reported"
    __table_args__ = (
        Index("ix_console_reported_project", "project", "version"),
        Index("ix_console_reported_env", "environment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(256))
    project: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(128))
    files: Mapped[Any] = mapped_column(JSON)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reporter: Mapped[str] = mapped_column(String(128))
