"""A covering index for the incident query on `install_events`.

`pycustoms incident NAME==VERSION` groups a release's events by (environment, file,
installer) with the first and last install time. With only (project, version)
indexed, SQLite visits one table row per event (50,000 events of a popular release
took about 360 ms on 1,000,000 events); with every column the query reads in the
index it answers from the index alone (about 100 ms; benchmarks/incident.py). The
new index starts with (project, version), so the 0007 index on those two columns
is dropped rather than kept as a duplicate that every install would also update.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

_COLUMNS = ["project", "version", "environment", "sha256", "installer", "at"]


def upgrade() -> None:
    """Replace the (project, version) index with the covering incident index."""
    op.create_index("ix_install_events_incident", "install_events", _COLUMNS)
    op.drop_index("ix_install_events_release", table_name="install_events")


def downgrade() -> None:
    """Restore the 0007 index."""
    op.create_index("ix_install_events_release", "install_events", ["project", "version"])
    op.drop_index("ix_install_events_incident", table_name="install_events")
