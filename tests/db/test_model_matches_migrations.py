"""The ORM metadata declares the tables, indexes and unique constraints the migrations create.

The application's queries are planned against the migrated schema, but `Base.metadata`
is what readers (and `create_all` in a throwaway database) take as the truth; a model
that forgets an index a migration added (0008's covering index) or still names one a
later migration dropped drifts silently. Here a fresh database is migrated to the
heads and inspected, and every table is compared with its declaration: on SQLite
(the embedded default) and on PostgreSQL (replicas), since the same migrations
build both and a migration written for one engine can do less on the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, Index, Inspector, Table, UniqueConstraint, inspect

import pycustoms.db.advisories
import pycustoms.db.console
import pycustoms.db.firewall
import pycustoms.db.provenance
from pycustoms.db.models import Base
from pycustoms.db.session import Database
from tests.postgres import LocalPostgres

# Imported for their tables: each module adds its models to `Base.metadata`.
_MODULES = (pycustoms.db.advisories, pycustoms.db.console, pycustoms.db.firewall,
            pycustoms.db.provenance)  # fmt: skip

IndexShape = tuple[str, tuple[str, ...], bool]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Inspector]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("migrated") / "pycustoms.db"
        url = f"sqlite:///{path}"
    else:
        server: LocalPostgres = request.getfixturevalue("postgres_server")
        url = server.create_database()
    db = Database(url).open()
    try:
        inspector = inspect(db.engine)
        assert inspector.dialect.name == request.param
        yield inspector
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
    # PostgreSQL lists the index behind each unique constraint as well; those are
    # compared as constraints below.
    return {
        (str(i["name"]), tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
        for i in inspector.get_indexes(table)
        if "duplicates_constraint" not in i
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


def test_alembic_finds_nothing_to_autogenerate(migrated: Inspector) -> None:
    # alembic's own comparison of the migrated schema with the models: tables, columns,
    # types, nullability, indexes and constraints. An empty diff is what lets
    # `alembic revision --autogenerate` start from a clean slate on either engine.
    from alembic.autogenerate import compare_metadata  # noqa: PLC0415
    from alembic.migration import MigrationContext  # noqa: PLC0415

    assert isinstance(migrated.bind, Engine)
    with migrated.bind.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
