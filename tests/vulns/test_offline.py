"""The offline source says what its database covers and never calls an uncovered release clean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.db import Database
from pycustoms.vulns.archive import store_archive
from pycustoms.vulns.interface import Coverage, Query
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.osv_import import import_osv
from pycustoms.vulns.update import json_api_filler
from tests.fake_upstream import FakeUpstream
from tests.vulns.helpers import ProjectDocumentOnly, osv

DEMO_11 = Query("demo", "1.1")
DEMO_12 = Query("demo", "1.2")
OTHER = Query("other", "3.0")
OLD = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        yield database
    finally:
        database.close()


def _records(folder: Path, *records: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    return folder


def _archive(db: Database, folder: Path, *, modified: str = "2026-11-30T00:00:00Z") -> None:
    _records(folder, osv("PYSEC-1", "demo", fixed="1.2", modified=modified))
    store_archive(db, folder, location=str(folder), downloaded_at=None, min_records=1)


def test_empty_database_names_the_command_to_run(db: Database) -> None:
    source = OfflineSource(db)
    answer = source.query([DEMO_11])
    assert answer.found == {}
    assert "`pycustoms db update`" in answer.failed[DEMO_11]
    status = source.status()
    assert status is not None
    assert status.coverage is Coverage.EMPTY
    assert "EMPTY" in status.describe()


def test_one_imported_record_is_not_full_coverage(db: Database, tmp_path: Path) -> None:
    import_osv(db, _records(tmp_path / "one", osv("PYSEC-1", "demo", fixed="1.2")))
    source = OfflineSource(db)
    answer = source.query([DEMO_11, DEMO_12, OTHER])
    # The record is reported where it matches, but the release is still not checked.
    assert [r.id for r in answer.found[DEMO_11]] == ["PYSEC-1"]
    assert DEMO_11 in answer.failed
    # Releases the record does not name are never "no known vulnerabilities".
    assert DEMO_12 not in answer.found
    assert OTHER not in answer.found
    assert "partial coverage" in answer.failed[OTHER]
    assert "`pycustoms db update`" in answer.failed[OTHER]
    status = source.status()
    assert status is not None
    assert status.coverage is Coverage.PARTIAL
    assert status.to_json()["coverage"] == "partial"
    assert (status.answered, status.not_covered) == (0, 3)
    assert "PARTIAL" in status.describe()
    assert "full" not in status.describe()


def test_full_archive_answers_every_release_with_its_age(db: Database, tmp_path: Path) -> None:
    _archive(db, tmp_path / "archive")
    source = OfflineSource(db, clock=lambda: datetime(2026, 12, 2, tzinfo=UTC))
    answer = source.query([DEMO_11, DEMO_12, OTHER])
    assert answer.failed == {}
    assert [r.id for r in answer.found[DEMO_11]] == ["PYSEC-1"]
    assert answer.found[DEMO_12] == []
    assert answer.found[OTHER] == []
    status = source.status()
    assert status is not None
    assert status.coverage is Coverage.FULL
    # A local copy is as current as its newest record, not as the moment it was read.
    assert status.as_of == datetime(2026, 11, 30, tzinfo=UTC)
    assert status.age == timedelta(days=2)
    assert not status.stale
    assert status.warnings == ()
    assert status.to_json()["age_days"] == 2.0


def test_old_archive_warns_and_max_age_is_configurable(db: Database, tmp_path: Path) -> None:
    _archive(db, tmp_path / "archive", modified="2026-11-01T00:00:00Z")
    clock = lambda: datetime(2026, 12, 2, tzinfo=UTC)  # noqa: E731 - a fixed clock
    source = OfflineSource(db, clock=clock)
    answer = source.query([OTHER])
    assert answer.found[OTHER] == []  # a warning, not a failure
    status = source.status()
    assert status is not None
    assert status.stale
    [warning] = status.warnings
    assert "31 days old" in warning
    assert "`pycustoms db update`" in warning
    relaxed = OfflineSource(db, clock=clock, max_age=timedelta(days=60))
    relaxed.query([OTHER])
    assert relaxed.status() is not None
    assert relaxed.status().warnings == ()  # type: ignore[union-attr]


def test_filler_answers_uncovered_releases_once(db: Database, fake_upstream: FakeUpstream) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_release("demo", "1.2", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-7", "fixed_in": ["1.2"]})
    source = OfflineSource(db, filler=json_api_filler(db, fake_upstream.url, timeout=5))
    try:
        answer = source.query([DEMO_11, DEMO_12])
        assert answer.failed == {}
        assert [r.id for r in answer.found[DEMO_11]] == ["PYSEC-7"]
        assert answer.found[DEMO_12] == []
        status = source.status()
        assert status is not None
        assert status.coverage is Coverage.PARTIAL  # per-release answers: never full
        assert (status.filled, status.answered) == (2, 2)
        asked = len(fake_upstream.requests_to("/pypi/"))
        # The answers are kept: a second audit asks nothing.
        again = source.query([DEMO_11, DEMO_12])
        assert [r.id for r in again.found[DEMO_11]] == ["PYSEC-7"]
        assert len(fake_upstream.requests_to("/pypi/")) == asked
    finally:
        source.close()
    # Without a filler the stored answers still count; other releases do not.
    plain = OfflineSource(db).query([DEMO_11, OTHER])
    assert [r.id for r in plain.found[DEMO_11]] == ["PYSEC-7"]
    assert DEMO_11 not in plain.failed
    assert OTHER in plain.failed


def test_answers_older_than_max_age_are_asked_again(
    db: Database, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    now = [datetime.now(UTC)]
    filler = json_api_filler(db, fake_upstream.url, timeout=5)
    source = OfflineSource(db, filler=filler, clock=lambda: now[0])
    try:
        assert source.query([DEMO_11]).found[DEMO_11] == []
        fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-8", "fixed_in": []})
        now[0] += timedelta(days=8)
        answer = source.query([DEMO_11])
    finally:
        source.close()
    assert [r.id for r in answer.found[DEMO_11]] == ["PYSEC-8"]
    assert len(fake_upstream.requests_to("/pypi/demo/1.1/json")) == 2


def test_filler_failure_says_why_and_what_to_run(db: Database, tmp_path: Path) -> None:
    upstream = ProjectDocumentOnly(tmp_path / "index")
    upstream.start()
    try:
        upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
        upstream.add_release("demo", "1.2", uploaded=OLD, sdist=False)
        source = OfflineSource(db, filler=json_api_filler(db, upstream.url, timeout=5))
        try:
            answer = source.query([DEMO_11, DEMO_12])
        finally:
            source.close()
    finally:
        upstream.stop()
    assert answer.found == {DEMO_12: []}  # the latest release: the project document answers
    reason = answer.failed[DEMO_11]
    assert "only for the latest release, 1.2" in reason
    assert "`pycustoms db update`" in reason


def test_an_old_answer_that_cannot_be_refreshed_is_used_with_a_warning(
    db: Database, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-9", "fixed_in": []})
    first = OfflineSource(db, filler=json_api_filler(db, fake_upstream.url, timeout=5))
    try:
        first.query([DEMO_11])
    finally:
        first.close()
    later = datetime.now(UTC) + timedelta(days=8)
    dead = json_api_filler(db, "http://127.0.0.1:9/simple/", timeout=5)
    source = OfflineSource(db, filler=dead, clock=lambda: later)
    try:
        answer = source.query([DEMO_11])
    finally:
        source.close()
    assert [r.id for r in answer.found[DEMO_11]] == ["PYSEC-9"]
    assert answer.failed == {}
    status = source.status()
    assert status is not None
    assert status.stale
    assert any("could not be refreshed" in w for w in status.warnings)
