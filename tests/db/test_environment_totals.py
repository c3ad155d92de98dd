"""`environment_totals` (migration 0017's trigger) agrees with `install_events`.

The environment overview reads the totals; they must give what grouping the
events gives (installs, distinct projects, last install per environment), on
both engines, whoever wrote the events: the install log in batches, or another
writer through the ORM; and a database migrated while it already held events
sums them in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from pycustoms.db import Database
from pycustoms.db.firewall import InstallEventRow
from pycustoms.incident.query import utc
from pycustoms.server.console import data
from pycustoms.server.installlog import InstallEvent, InstallLog

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _from_events(db: Database) -> dict[str, tuple[int, int, datetime]]:
    e = InstallEventRow
    query = select(
        e.environment, func.count(), func.count(func.distinct(e.project)), func.max(e.at)
    ).group_by(e.environment)
    with db.session() as session:
        return {env: (n, projects, utc(last)) for env, n, projects, last in session.execute(query)}


def _from_totals(db: Database) -> dict[str, tuple[int, int, datetime]]:
    with db.session() as session:
        rows = session.execute(data.environments_query()).all()
    return {env: (int(n), projects, utc(last)) for env, n, projects, last in rows}


def _versions_from_events(db: Database, project: str) -> dict[str, tuple[int, int, datetime]]:
    e = InstallEventRow
    query = (
        select(e.version, func.count(), func.count(func.distinct(e.environment)), func.max(e.at))
        .where(e.project == project)
        .group_by(e.version)
    )
    with db.session() as session:
        return {v or "": (n, envs, utc(last)) for v, n, envs, last in session.execute(query)}


def _versions_from_totals(db: Database, project: str) -> dict[str, tuple[int, int, datetime]]:
    with db.session() as session:
        rows = session.execute(data.package_installs_query(project)).all()
    return {v: (int(n), envs, utc(last)) for v, n, envs, last in rows}


def _write(db: Database, count: int, start: datetime) -> None:
    log = InstallLog(db)
    for i in range(count):
        log.record(
            InstallEvent(
                at=start + timedelta(seconds=(i * 7919) % count), environment=f"env-{i % 7}",
                client=None, installer="pip", installer_version=None,
                project=("alpha", "beta", "gamma")[i % 3 if i % 7 else 0],
                version=("1.0", "2.0", None)[i % 3],
                filename="x-1.0.whl", sha256=f"{i % 5:064x}",
            )
        )  # fmt: skip
    log.close()
    assert log.written == count


def _check(db: Database) -> None:
    _write(db, 2_000, T0)
    with db.session() as session, session.begin():  # a writer that is not the install log
        session.add(
            InstallEventRow(
                at=T0 + timedelta(days=1), environment="env-3", client=None, installer="uv",
                installer_version=None, project="delta", version="2.0",
                filename="delta-2.0.whl", sha256=f"{9:064x}",
            )
        )  # fmt: skip
    expected = _from_events(db)
    assert _from_totals(db) == expected
    assert expected["env-3"][1] == 4  # alpha, beta, gamma and delta
    assert expected["env-3"][2] == T0 + timedelta(days=1)
    assert expected["env-0"][1] == 1  # only alpha
    for project in ("alpha", "beta", "delta", "nothing"):
        assert _versions_from_totals(db, project) == _versions_from_events(db, project)
    assert set(_versions_from_totals(db, "alpha")) == {"1.0", "2.0", ""}
    installs = {i["version"]: i for i in data.package(db, "alpha")["installs"]}
    assert installs[None]["count"] == _versions_from_events(db, "alpha")[""][0]
    overview = {item["environment"]: item for item in data.environments(db)}
    assert overview["env-3"]["installs"] == expected["env-3"][0]
    assert overview["env-3"]["projects"] == 4


def test_sqlite_totals_answer_what_the_events_answer(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pycustoms.db'}").open()
    try:
        _check(db)
    finally:
        db.close()


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url).open()
    try:
        yield database
    finally:
        database.close()


@pytest.mark.postgres
def test_postgres_totals_answer_what_the_events_answer(pg: Database) -> None:
    _check(pg)


def test_events_logged_before_the_migration_are_summed_in(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'pycustoms.db'}").open()
    config = Config()
    config.set_main_option("script_location", str(db.migrations))
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0016")
        with db.session() as session, session.begin():
            for i in range(50):
                session.add(
                    InstallEventRow(
                        at=T0 + timedelta(minutes=i), environment=f"old-{i % 2}", client=None,
                        installer="pip", installer_version=None, project=f"p{i % 3}",
                        version="1.0", filename="p-1.0.whl", sha256=f"{i:064x}",
                    )
                )  # fmt: skip
        assert not db.is_current()
        db.migrate()
        expected = _from_events(db)
        assert expected["old-0"] == (25, 3, T0 + timedelta(minutes=48))
        assert _from_totals(db) == expected
    finally:
        db.close()
