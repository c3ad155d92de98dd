"""Tokens can be revoked, can expire, and can be allowed to publish named projects.

`revoked_at` and `expires_at` end a token (a running server stops accepting it
within a second); `publish` lists the project names or `prefix*` patterns the
token may upload (empty: it may not upload at all).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the lifecycle and publishing columns."""
    with op.batch_alter_table("firewall_tokens") as table:
        table.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("publish", sa.String(2048), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("firewall_tokens") as table:
        table.drop_column("publish")
        table.drop_column("expires_at")
        table.drop_column("revoked_at")
