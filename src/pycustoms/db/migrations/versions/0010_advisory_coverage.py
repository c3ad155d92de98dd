"""The advisory database says what it covers: record origin, update kind, per-release answers.

`advisory_records.origin` tells a whole-ecosystem archive's records (replaced by
the next `db update`) from imported ones; `advisory_imports` gains the kind of
change, its coverage (`full` only for an archive), its project count and how
current its data was; `advisory_release_checks` keeps what the index's JSON API
said about each release it was asked about. Rows written before this revision
were all `db import-osv` runs: partial coverage.

Revision ID: 0010
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0002"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the coverage columns and the per-release table."""
    with op.batch_alter_table("advisory_records") as table:
        table.add_column(
            sa.Column("origin", sa.String(16), nullable=False, server_default="import")
        )
    with op.batch_alter_table("advisory_imports") as table:
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="import"))
        table.add_column(
            sa.Column("coverage", sa.String(16), nullable=False, server_default="partial")
        )
        table.add_column(sa.Column("projects", sa.Integer(), nullable=True))
        table.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "advisory_release_checks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("package", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(2048), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.UniqueConstraint("package", "version", name="uq_release_check"),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("advisory_release_checks")
    with op.batch_alter_table("advisory_imports") as table:
        table.drop_column("as_of")
        table.drop_column("projects")
        table.drop_column("coverage")
        table.drop_column("kind")
    with op.batch_alter_table("advisory_records") as table:
        table.drop_column("origin")
