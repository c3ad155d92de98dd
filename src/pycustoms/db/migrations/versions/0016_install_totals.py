"""Install totals: the incident query's groups, kept as events arrive.

`pycustoms incident NAME==VERSION` groups a release's events by (environment,
version, file, installer). Read from `install_events`, that costs one index entry
per event: a popular release at 10 M events is 380,000 entries and about half a
second on PostgreSQL (benchmarks/cluster.py). `install_totals` holds one row per
group (count, first and last install), so the query reads at most a few thousand
rows whatever the release's popularity.

On PostgreSQL a trigger keeps the totals, not the application: every writer of
`install_events` (the install log's COPY, imports, a restore) updates them in the
same transaction, with one grouped upsert per statement over the inserted rows
(in key order, so that replicas writing at once take row locks in the same
order). Existing events are summed in when the table is created.

SQLite (the embedded default) keeps the table empty and its incident query reads
the events as before: SQLite has only row triggers, and one upsert per event cost
its install log about 30 % of its ingestion rate (5,600 to 3,900 events/s on the
loaded 2-core machine of benchmarks/RESULTS.md), for a query that answers within
its target there. Version and installer are stored as '' when unknown: a primary
key cannot hold NULL.

Revision ID: 0016
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision: str | None = "0011"
branch_labels: tuple[str, ...] | None = None
depends_on: str | None = None

_KEY = "project, version, environment, sha256, installer"
_GROUPED = (
    "SELECT project, coalesce(version, ''), environment, sha256, coalesce(installer, ''),"
    " count(*), min(at), max(at) FROM {source} GROUP BY 1, 2, 3, 4, 5"
)

_PG_FUNCTION = f"""
CREATE FUNCTION install_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO install_totals ({_KEY}, installs, first_at, last_at)
  {_GROUPED.format(source="new_events")} ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT ({_KEY}) DO UPDATE SET
    installs = install_totals.installs + excluded.installs,
    first_at = least(install_totals.first_at, excluded.first_at),
    last_at = greatest(install_totals.last_at, excluded.last_at);
  RETURN NULL;
END $$
"""
_PG_TRIGGER = """
CREATE TRIGGER install_totals_add AFTER INSERT ON install_events
REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION install_totals_add()
"""


def upgrade() -> None:
    """Create the totals; on PostgreSQL sum the existing events in and keep them by trigger."""
    op.create_table(
        "install_totals",
        sa.Column("project", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("environment", sa.String(256), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("installer", sa.String(64), nullable=False),
        sa.Column("installs", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "version", "environment", "sha256", "installer"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return  # the table exists on both engines; only PostgreSQL keeps it (see above)
    op.execute(
        f"INSERT INTO install_totals ({_KEY}, installs, first_at, last_at) "
        + _GROUPED.format(source="install_events")
    )
    op.execute(_PG_FUNCTION)
    op.execute(_PG_TRIGGER)


def downgrade() -> None:
    """Drop the trigger and the totals."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER install_totals_add ON install_events")
        op.execute("DROP FUNCTION install_totals_add()")
    op.drop_table("install_totals")
