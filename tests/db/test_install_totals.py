"""`install_totals` (migration 0016's trigger, PostgreSQL) agrees with `install_events`.

The incident query reads the totals when no time window is given and the events
when one is; the two must answer the same groups, counts and first and last times,
whoever wrote the events (the install log's COPY or executemany, or the ORM).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.db import Database
from pycustoms.db.firewall import InstallEventRow
from pycustoms.incident.model import Spec
from pycustoms.incident.query import event_query, incident_report, totals_query, utc
from pycustoms.server.installlog import InstallEvent, InstallLog
from pycustoms.types import ProjectName

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url).open()
    try:
        yield database
    finally:
        database.close()


def _rows(db: Database, spec: Spec, *, totals: bool) -> set[tuple[object, ...]]:
    query = totals_query(spec) if totals else event_query(spec)
    with db.engine.connect() as connection:
        return {
            (env, version, sha, installer, utc(first), utc(last), int(count))
            for env, version, sha, installer, first, last, count in connection.execute(query)
        }


@pytest.mark.postgres
def test_totals_answer_what_the_events_answer(db: Database) -> None:
    log = InstallLog(db)
    for i in range(3_000):
        log.record(
            InstallEvent(
                at=T0 + timedelta(seconds=i), environment=f"env-{i % 13}", client=None,
                installer=("pip", "uv", None)[i % 3], installer_version=None,
                project=("alpha", "beta")[i % 2], version=("1.0", "2.0", None)[i % 3],
                filename="alpha-1.0.whl", sha256=f"{i % 5:064x}",
            )
        )  # fmt: skip
    log.close()
    with db.session() as session, session.begin():  # a writer that is not the install log
        session.add(
            InstallEventRow(
                at=T0 - timedelta(days=1), environment="env-1", client=None, installer="pip",
                installer_version=None, project="alpha", version="1.0",
                filename="alpha-1.0.whl", sha256=f"{1:064x}",
            )
        )  # fmt: skip
    for spec in (
        Spec(ProjectName("alpha"), "1.0", None, None),
        Spec(ProjectName("alpha"), None, None, None),
        Spec(ProjectName("beta"), "2.0", None, None),
        Spec(ProjectName("gamma"), None, None, None),
    ):
        events = _rows(db, spec, totals=False)
        assert _rows(db, spec, totals=True) == events
    alpha = _rows(db, Spec(ProjectName("alpha"), None, None, None), totals=True)
    assert sum(int(r[6]) for r in alpha) == 1_501  # type: ignore[call-overload]
    assert min(r[4] for r in alpha) == T0 - timedelta(days=1)  # type: ignore[type-var]
    assert any(r[1] is None for r in alpha)  # unknown version
    assert any(r[3] is None for r in alpha)  # unknown installer


def test_sqlite_keeps_no_totals_and_reads_the_events(tmp_path: Path) -> None:
    # The embedded default's install log pays for no trigger (migration 0016).
    db = Database(f"sqlite:///{tmp_path / 'pycustoms.db'}").open()
    try:
        log = InstallLog(db)
        log.record(
            InstallEvent(T0, "env", None, "pip", None, "alpha", "1.0", "alpha-1.0.whl", "a" * 64)
        )
        log.close()
        spec = Spec(ProjectName("alpha"), "1.0", None, None)
        assert _rows(db, spec, totals=True) == set()
        assert len(_rows(db, spec, totals=False)) == 1
        report = incident_report(db, [spec])
        assert report.environment_names == ("env",)
    finally:
        db.close()
