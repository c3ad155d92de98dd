"""The queries asked while the index serves installs read an index alone, not the table.

Planned by SQLite on a freshly migrated database (the schema users run), so a
migration that drops or reorders an index these queries need fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, text
from sqlalchemy.dialects import sqlite

from pycustoms.db.session import Database
from pycustoms.server.console import data


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'pycustoms.db'}").open()
    try:
        yield database
    finally:
        database.close()


def _plan(db: Database, query: Select[Any]) -> str:
    compiled = query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_environment_list_reads_the_totals_not_the_events(db: Database) -> None:
    plan = _plan(db, data.environments_query())
    assert "environment_totals" in plan, plan
    assert "install_events" not in plan, plan


def test_a_projects_installs_read_the_totals_by_their_key(db: Database) -> None:
    plan = _plan(db, data.package_installs_query("requests"))
    assert "environment_totals" in plan, plan
    assert "install_events" not in plan, plan
    assert "SCAN" not in plan, plan  # a search on the primary key's project prefix
