"""The ORM metadata declares the tables, indexes and unique constraints the migrations create.

The application's queries are planned against the migrated schema, but `Base.metadata`
is what readers (and `create_all` in a throwaway database) take as the truth; a model
that forgets an index a migration added (0008's covering index) or still names one a
later migration dropped drifts silently. Here a fresh SQLite database is migrated to
the heads and inspected, and every table is compared with its declaration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Index, Inspector, Table, UniqueConstraint, inspect

import pycustoms.db.advisories
import pycustoms.db.console
import pycustoms.db.firewall
import pycustoms.db.provenance
from pycustoms.db.models import Base
from pycustoms.db.session import Database

# Imported for their tables: each module adds its models to `Base.metadata`.
_MODULES = (pycustoms.db.advisories, pycustoms.db.console, pycustoms.db.firewall,
            pycustoms.db.provenance)  # fmt: skip

IndexShape = tuple[str, tuple[str, ...], bool]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inspector]:
    path: Path = tmp_path_factory.mktemp("migrated") / "pycustoms.db"
    db = Database(f"sqlite:///{path}").open()
    try:
        yield inspect(db.engine)
    finally:
        db.close()


def _declared_indexes(table: Table) -> set[IndexShape]:
    out: set[IndexShape] = set()
    for index in table.indexes:
        assert isinstance(index, Index)
        columns = tuple(c.name for c in index.columns)
        out.add((str(index.name), columns, bool(index.unique)))
    return out


def _declared_uniques(table: Table) -> set[tuple[str, ...]]:
    return {
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }


def _migrated_indexes(inspector: Inspector, table: str) -> set[IndexShape]:
    return {
        (str(i["name"]), tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
        for i in inspector.get_indexes(table)
    }


def _migrated_uniques(inspector: Inspector, table: str) -> set[tuple[str, ...]]:
    return {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}


def test_every_declared_table_is_created(migrated: Inspector) -> None:
    assert _MODULES  # the imports above are what fills the metadata
    created = set(migrated.get_table_names()) - {"alembic_version"}
    assert created == set(Base.metadata.tables)


@pytest.mark.parametrize("name", sorted(Base.metadata.tables))
def test_indexes_match_the_migrations(migrated: Inspector, name: str) -> None:
    table = Base.metadata.tables[name]
    assert _declared_indexes(table) == _migrated_indexes(migrated, name)
    assert _declared_uniques(table) == _migrated_uniques(migrated, name)


def test_install_events_declares_the_covering_incident_index() -> None:
    # The incident query (benchmarks/incident.py) depends on this exact column order.
    table = Base.metadata.tables["install_events"]
    shapes = {name: columns for name, columns, _ in _declared_indexes(table)}
    assert shapes["ix_install_events_incident"] == (
        "project", "version", "environment", "sha256", "installer", "at",
    )  # fmt: skip
    assert "ix_install_events_release" not in shapes  # dropped by 0008
