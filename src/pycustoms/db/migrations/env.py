"""Alembic environment: migrations run on the connection `Database.open()` hands over."""

from __future__ import annotations

from alembic import context

from pycustoms.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through pycustoms.db.session.Database.open()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
