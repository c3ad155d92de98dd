"""Tables of the firewall index: tokens, install events, scan verdicts, private files.

They share `Base` with `db.models`; the schema is created by migration 0003
(branch `firewall`); 0005 adds first-seen times and the metadata of scanned wheels;
0007 and 0008 index `install_events` for the incident query; 0016 sums it into
`install_totals` by trigger on PostgreSQL; 0017 sums it per project, version
and environment into `environment_totals` by trigger on both engines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pycustoms.db.models import Base


class TokenRow(Base):
    """An API token: only its sha256 is stored; the name becomes the environment identity."""

    __tablename__ = "firewall_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Comma-separated project names or `prefix*` patterns this token may upload.
    publish: Mapped[str | None] = mapped_column(String(2048), nullable=True)


# The 0008 covering index, in this order: the incident query reads only the index.
_INCIDENT_COLUMNS = ("project", "version", "environment", "sha256", "installer", "at")


class InstallEventRow(Base):
    """One file served to one client."""

    __tablename__ = "install_events"
    __table_args__ = (
        Index("ix_install_events_project", "project", "at"),
        # 0011 replaced 0007's (environment) index with this covering one.
        Index("ix_install_events_environment_totals", "environment", "project", "at"),
        # 0008 replaced 0007's (project, version) index with this covering one.
        Index("ix_install_events_incident", *_INCIDENT_COLUMNS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    environment: Mapped[str] = mapped_column(String(256))
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    installer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    installer_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    project: Mapped[str] = mapped_column(String(256))
    version: Mapped[str | None] = mapped_column(String(128), nullable=True)
    filename: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))


class InstallTotalRow(Base):
    """Installs of one file by one installer in one environment: count, first, last.

    Kept on PostgreSQL by a trigger on `install_events` (migration 0016), never
    written by the application; empty on SQLite. Version and installer are '' when
    unknown.
    """

    __tablename__ = "install_totals"

    project: Mapped[str] = mapped_column(String(256), primary_key=True)
    version: Mapped[str] = mapped_column(String(128), primary_key=True)
    environment: Mapped[str] = mapped_column(String(256), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    installer: Mapped[str] = mapped_column(String(64), primary_key=True)
    installs: Mapped[int] = mapped_column(BigInteger)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EnvironmentTotalRow(Base):
    """Installs of one release of a project in one environment: count and last install.

    Kept by a trigger on `install_events` on both engines (migration 0017), never
    written by the application. The environment overview and a project's installs
    per version (console, admin API) read it: one row per project, version and
    environment, however many events. The version is '' when unknown.
    """

    __tablename__ = "environment_totals"

    project: Mapped[str] = mapped_column(String(256), primary_key=True)
    version: Mapped[str] = mapped_column(String(128), primary_key=True)
    environment: Mapped[str] = mapped_column(String(256), primary_key=True)
    installs: Mapped[int] = mapped_column(BigInteger)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScanVerdictRow(Base):
    """The scanner's verdict on a file, by content hash (one scan per file, ever)."""

    __tablename__ = "scan_verdicts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(512))
    decision: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[Any] = mapped_column(JSON)
    rules: Mapped[Any] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # sha256 of the wheel's `*.dist-info/METADATA` (kept as a blob), read during the scan.
    metadata_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class FirstSeenRow(Base):
    """When the server first saw a file whose upstream gives no upload time (trusted upstreams)."""

    __tablename__ = "firewall_first_seen"
    __table_args__ = (UniqueConstraint("project", "filename", name="uq_first_seen_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(256))
    filename: Mapped[str] = mapped_column(String(512))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PrivateFileRow(Base):
    """A file uploaded to the private index (`twine upload`); it shadows the upstream name."""

    __tablename__ = "private_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(256), index=True)
    version: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(512), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    requires_python: Mapped[str | None] = mapped_column(String(256), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploaded_by: Mapped[str] = mapped_column(String(128))
