"""Console: token roles, audit log, quarantine decisions, release blocks, incidents, reports.

Also indexes `install_events` by (project, version) and by environment for incident queries.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0005"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the console tables and the install-event indexes."""
    op.create_table(
        "console_token_roles",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("reason", sa.String(2048), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_table(
        "console_quarantine",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(2048), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
    )
    op.create_table(
        "console_release_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(2048), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
    )
    op.create_index(
        "ix_console_release_blocks_project", "console_release_blocks", ["project", "version"]
    )
    op.create_table(
        "console_incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(2048), nullable=False),
        sa.Column("detected_at", _WHEN, nullable=False),
        sa.Column("environments", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.UniqueConstraint("project", "version", name="uq_console_incident"),
    )
    op.create_table(
        "console_reported",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("environment", sa.String(256), nullable=False),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("reported_at", _WHEN, nullable=False),
        sa.Column("reporter", sa.String(128), nullable=False),
    )
    op.create_index("ix_console_reported_project", "console_reported", ["project", "version"])
    op.create_index("ix_console_reported_env", "console_reported", ["environment"])
    op.create_index("ix_install_events_release", "install_events", ["project", "version"])
    op.create_index("ix_install_events_environment", "install_events", ["environment"])


def downgrade() -> None:
    """Drop what `upgrade` created."""
    op.drop_index("ix_install_events_environment", table_name="install_events")
    op.drop_index("ix_install_events_release", table_name="install_events")
    for table in (
        "console_reported",
        "console_incidents",
        "console_release_blocks",
        "console_quarantine",
        "console_audit",
        "console_token_roles",
    ):
        op.drop_table(table)
