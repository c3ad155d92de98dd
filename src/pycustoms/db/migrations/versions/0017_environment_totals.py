"""Environment totals: the environment overview's groups, kept as events arrive.

The console's and the admin API's environment list groups install events by
environment (installs, distinct projects, last install). 0011 made that read a
covering index instead of the table, but it still reads one index entry per
event: asked a few times a second while the index serves installs
(benchmarks/load.py), its cost grew with the log until it took a third of a core
and the requests served per second fell by a quarter within ten minutes.
`environment_totals` holds one row per project, version and environment, so the
list (and a project's installs per version, asked as often by the same clients)
reads those rows, not the events.

A trigger keeps the table on both engines, so that every writer of
`install_events` (the install log, imports, a restore) updates it in the same
transaction: on PostgreSQL one grouped upsert per statement over the inserted
rows (in key order, as 0016's), on SQLite, which has only row triggers, one
upsert per event into this small table (whose pages stay in cache; 0016 says why
the wider `install_totals` is not kept that way on SQLite). Existing events are
summed in when the table is created.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision: str | None = "0016"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

_KEY = "project, version, environment"
_GROUPED = (
    "SELECT project, coalesce(version, ''), environment, count(*), max(at)"
    " FROM {source} GROUP BY 1, 2, 3"
)

_PG_FUNCTION = f"""
CREATE FUNCTION environment_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO environment_totals ({_KEY}, installs, last_at)
  {_GROUPED.format(source="new_events")} ORDER BY 1, 2, 3
  ON CONFLICT ({_KEY}) DO UPDATE SET
    installs = environment_totals.installs + excluded.installs,
    last_at = greatest(environment_totals.last_at, excluded.last_at);
  RETURN NULL;
END $$
"""
_PG_TRIGGER = """
CREATE TRIGGER environment_totals_add AFTER INSERT ON install_events
REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT
EXECUTE FUNCTION environment_totals_add()
"""
_SQLITE_TRIGGER = """
CREATE TRIGGER environment_totals_add AFTER INSERT ON install_events BEGIN
  INSERT INTO environment_totals (project, version, environment, installs, last_at)
  VALUES (NEW.project, coalesce(NEW.version, ''), NEW.environment, 1, NEW.at)
  ON CONFLICT (project, version, environment) DO UPDATE SET
    installs = installs + 1,
    last_at = max(last_at, excluded.last_at);
END
"""


def upgrade() -> None:
    """Create the totals, sum the existing events in and keep them by trigger."""
    op.create_table(
        "environment_totals",
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("environment", sa.String(256), nullable=False),
        sa.Column("installs", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "version", "environment"),
    )
    op.execute(
        f"INSERT INTO environment_totals ({_KEY}, installs, last_at) "
        + _GROUPED.format(source="install_events")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    """Drop the trigger and the totals."""
    op.execute(
        "DROP TRIGGER environment_totals_add"
        + (" ON install_events" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION environment_totals_add()")
    op.drop_table("environment_totals")
