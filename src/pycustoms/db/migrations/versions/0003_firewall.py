"""Firewall index: tokens, install events, scan verdicts and private files.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("firewall",)
depends_on: str | None = None


def upgrade() -> None:
    """Create the four firewall tables."""
    op.create_table(
        "firewall_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_firewall_tokens_name", "firewall_tokens", ["name"])
    op.create_table(
        "install_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("environment", sa.String(256), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("installer", sa.String(64), nullable=True),
        sa.Column("installer_version", sa.String(64), nullable=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=True),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_install_events_at", "install_events", ["at"])
    op.create_index("ix_install_events_project", "install_events", ["project", "at"])
    op.create_table(
        "scan_verdicts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(2048), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "private_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(512), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("requires_python", sa.String(256), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
    )
    op.create_index("ix_private_files_project", "private_files", ["project"])


def downgrade() -> None:
    """Drop the firewall tables."""
    op.drop_index("ix_private_files_project", table_name="private_files")
    op.drop_table("private_files")
    op.drop_table("scan_verdicts")
    op.drop_index("ix_install_events_project", table_name="install_events")
    op.drop_index("ix_install_events_at", table_name="install_events")
    op.drop_table("install_events")
    op.drop_index("ix_firewall_tokens_name", table_name="firewall_tokens")
    op.drop_table("firewall_tokens")
