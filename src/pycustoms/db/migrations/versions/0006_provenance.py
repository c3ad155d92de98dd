"""Provenance continuity: the proven publisher of each checked file.

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("provenance",)
depends_on: str | None = None


def upgrade() -> None:
    """Create `provenance_publishers`."""
    op.create_table(
        "provenance_publishers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("attested", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("repository", sa.String(512), nullable=True),
        sa.Column("workflow", sa.String(512), nullable=True),
        sa.Column("environment", sa.String(256), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project", "filename", name="uq_provenance_file"),
    )
    op.create_index("ix_provenance_publishers_project", "provenance_publishers", ["project"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index("ix_provenance_publishers_project", "provenance_publishers")
    op.drop_table("provenance_publishers")
