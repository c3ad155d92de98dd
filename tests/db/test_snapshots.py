"""The database migrates itself, runs SQLite in WAL mode and keeps snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pycustoms.db import Database, Snapshot, last_snapshot, record_snapshot
from pycustoms.types import ProjectName

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_snapshots_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'db.sqlite'}"
    db = Database(url).open()
    name = ProjectName("demo")
    assert last_snapshot(db, "idx", name) is None
    record_snapshot(db, Snapshot("idx", name, T0, ("1.0",), frozenset({"alice"}), None))
    record_snapshot(
        db,
        Snapshot("idx", name, T0 + timedelta(days=1), ("1.0", "1.1"), None, frozenset({"1.0"})),
    )
    db.close()
    reopened = Database(url).open()  # migrating twice is a no-op
    latest = last_snapshot(reopened, "idx", name)
    assert latest is not None
    assert latest.versions == ("1.0", "1.1")
    assert latest.owners is None
    assert latest.attested_versions == frozenset({"1.0"})
    assert latest.seen_at == T0 + timedelta(days=1)
    with reopened.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    assert last_snapshot(reopened, "other-index", name) is None


def test_same_facts_ignores_when_and_where() -> None:
    name = ProjectName("demo")
    seen = Snapshot("idx", name, T0, ("1.0",), frozenset({"alice"}), None, "active")
    assert seen.same_facts(Snapshot("other", name, T0 + timedelta(days=1), ("1.0",),
                                    frozenset({"alice"}), None, "active"))  # fmt: skip
    assert not seen.same_facts(Snapshot("idx", name, T0, ("1.0", "1.1"), frozenset({"alice"})))
    assert not seen.same_facts(Snapshot("idx", name, T0, ("1.0",), None, None, "active"))
