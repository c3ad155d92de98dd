"""Offline vulnerability database: OSV records per package and the imports that filled it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("advisories",)
depends_on: str | None = None


def upgrade() -> None:
    """Create `advisory_records` and `advisory_imports`."""
    op.create_table(
        "advisory_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("advisory_id", sa.String(128), nullable=False),
        sa.Column("package", sa.String(256), nullable=False),
        sa.Column("modified", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.UniqueConstraint("advisory_id", "package", name="uq_advisory_package"),
    )
    op.create_index("ix_advisory_records_package", "advisory_records", ["package"])
    op.create_table(
        "advisory_imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(2048), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("advisory_imports")
    op.drop_index("ix_advisory_records_package", table_name="advisory_records")
    op.drop_table("advisory_records")
