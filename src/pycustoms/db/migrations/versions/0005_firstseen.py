"""Firewall index: first-seen times of files without an upload time; metadata of scanned wheels.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0003"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `firewall_first_seen`; add `scan_verdicts.metadata_sha256`."""
    op.create_table(
        "firewall_first_seen",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project", "filename", name="uq_first_seen_file"),
    )
    with op.batch_alter_table("scan_verdicts") as batch:
        batch.add_column(sa.Column("metadata_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("scan_verdicts") as batch:
        batch.drop_column("metadata_sha256")
    op.drop_table("firewall_first_seen")
