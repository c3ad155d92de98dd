"""Project snapshots: owners, release lists and provenance presence as last seen.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `project_snapshots`."""
    op.create_table(
        "project_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("index_url", sa.String(2048), nullable=False),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("attested_versions", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
    )
    op.create_index("ix_snapshots_lookup", "project_snapshots", ["index_url", "project", "seen_at"])


def downgrade() -> None:
    """Drop `project_snapshots`."""
    op.drop_index("ix_snapshots_lookup", table_name="project_snapshots")
    op.drop_table("project_snapshots")
