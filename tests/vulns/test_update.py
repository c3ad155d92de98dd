"""`db update` from archives over HTTP and from the index's JSON API: full or partial, atomic."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryRecordRow
from pycustoms.vulns.archive import SourceUnavailable, update_from_archive
from pycustoms.vulns.interface import Coverage, Query
from pycustoms.vulns.osv_import import import_osv
from pycustoms.vulns.settings import VulnsSettings
from pycustoms.vulns.store import read_state
from pycustoms.vulns.update import json_api_filler, update_database
from tests.fake_upstream import FakeUpstream
from tests.vulns.helpers import ArchiveServer, filler_records, osv, osv_zip

OLD = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    with ArchiveServer() as running:
        yield running


def _corrupt(data: bytes) -> bytes:
    """*data* with bytes in the middle of the first member's compressed data changed."""
    middle = 60
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 8]) + data[middle + 8 :]


def _rows(db: Database) -> set[tuple[str, str, str]]:
    with db.session() as session:
        rows = session.execute(
            select(
                AdvisoryRecordRow.advisory_id, AdvisoryRecordRow.package, AdvisoryRecordRow.origin
            )
        ).all()
    return {(a, p, o) for a, p, o in rows}


def _state(db: Database) -> tuple[Coverage, int]:
    with db.session() as session:
        state = read_state(session)
    return state.coverage, state.advisories


def test_archive_over_http_gives_full_coverage(
    db: Database, server: ArchiveServer, tmp_path: Path
) -> None:
    server.serve(
        "/PyPI/all.zip", osv_zip([osv("PYSEC-1", "demo", fixed="1.2"), *filler_records(4)])
    )
    started = datetime.now(UTC)
    summary = update_from_archive(
        db, server.url("/PyPI/all.zip"), workdir=tmp_path / "work", timeout=5, min_records=5
    )
    assert (summary.advisories, summary.projects) == (5, 5)
    assert summary.as_of >= started  # a download is as current as the moment it was made
    with db.session() as session:
        state = read_state(session)
    assert state.coverage is Coverage.FULL
    assert state.origin == server.url("/PyPI/all.zip")
    assert list((tmp_path / "work").iterdir()) == []  # the download is removed


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, b"not found", "HTTP 404"),
        (200, b"<html>an error page</html>", "neither a directory nor a zip"),
        (200, osv_zip(filler_records(6))[:-40], "neither a directory nor a zip"),
        (200, _corrupt(osv_zip(filler_records(6))), "not a readable zip"),
        (200, osv_zip(filler_records(5), extra={"BROKEN-1.json": b"{not json"}), "BROKEN-1"),
        (200, osv_zip(filler_records(2)), "fewer than vulns.archive-min-records"),
    ],
    ids=["404", "not-a-zip", "truncated", "corrupt", "bad-record", "too-few-records"],
)
def test_a_failed_update_leaves_the_database_as_it_was(
    db: Database, server: ArchiveServer, tmp_path: Path, status: int, body: bytes, reason: str
) -> None:
    server.serve("/good.zip", osv_zip([osv("PYSEC-1", "demo", fixed="1.2"), *filler_records(4)]))
    update_from_archive(db, server.url("/good.zip"), workdir=tmp_path, timeout=5, min_records=5)
    before = _rows(db)
    server.serve("/bad.zip", body, status)
    with pytest.raises(SourceUnavailable, match=reason):
        update_from_archive(db, server.url("/bad.zip"), workdir=tmp_path, timeout=5, min_records=5)
    assert _rows(db) == before
    with db.session() as session:
        assert read_state(session).origin == server.url("/good.zip")


def test_unreachable_archive_changes_nothing(db: Database, tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="could not download"):
        update_from_archive(
            db, "http://127.0.0.1:9/PyPI/all.zip", workdir=tmp_path, timeout=5, min_records=1
        )
    assert _state(db) == (Coverage.EMPTY, 0)


def test_new_archive_replaces_the_last_but_keeps_imported_records(
    db: Database, server: ArchiveServer, tmp_path: Path
) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "ACME-1.json").write_text(json.dumps(osv("ACME-1", "acme-billing", fixed="2.0")))
    (private / "PYSEC-2.json").write_text(json.dumps(osv("PYSEC-2", "demo", fixed="1.0")))
    import_osv(db, private)
    server.serve("/1.zip", osv_zip([osv("PYSEC-1", "demo", fixed="1.2"), osv("PYSEC-2", "demo")]))
    update_from_archive(db, server.url("/1.zip"), workdir=tmp_path, timeout=5, min_records=1)
    # The archive's copy of PYSEC-2 replaces the imported one; ACME-1 stays.
    assert _rows(db) == {
        ("ACME-1", "acme-billing", "import"),
        ("PYSEC-1", "demo", "archive"),
        ("PYSEC-2", "demo", "archive"),
    }
    server.serve("/2.zip", osv_zip([osv("PYSEC-3", "demo", fixed="1.3")]))
    update_from_archive(db, server.url("/2.zip"), workdir=tmp_path, timeout=5, min_records=1)
    # Records the newer archive no longer holds (withdrawn, renamed) are gone.
    assert _rows(db) == {("ACME-1", "acme-billing", "import"), ("PYSEC-3", "demo", "archive")}


def test_pypa_repository_layout_reads_only_its_records(
    db: Database, server: ArchiveServer, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "advisory-database-main/vulns/demo/PYSEC-1.yaml",
            "id: PYSEC-1\nmodified: 2026-11-30T00:00:00Z\naffected:\n"
            "- package: {ecosystem: PyPI, name: demo}\n  versions: ['1.1']\n",
        )
        archive.writestr("advisory-database-main/.github/workflows/ci.yml", "on: push\n")
        archive.writestr("advisory-database-main/mkdocs.yml", "site_name: x\n")
    server.serve("/main.zip", buffer.getvalue())
    summary = update_from_archive(
        db, server.url("/main.zip"), workdir=tmp_path, timeout=5, min_records=1
    )
    assert (summary.files, summary.advisories) == (1, 1)


def test_update_tries_sources_in_order_and_falls_back_to_the_json_api(
    db: Database, fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-7", "fixed_in": ["1.2"]})
    settings = VulnsSettings(osv_archive_url="http://127.0.0.1:9/PyPI/all.zip")
    notes: list[str] = []
    result = update_database(
        db,
        settings,
        ["osv", "json-api"],
        workdir=tmp_path,
        timeout=5,
        releases=[Query("demo", "1.1"), Query("demo", "9.9")],
        filler=lambda: json_api_filler(db, fake_upstream.url, timeout=5),
        notify=notes.append,
    )
    assert result.source == "json-api"
    assert result.coverage is Coverage.PARTIAL
    assert result.releases == 1
    assert list(result.failed) == [Query("demo", "9.9")]
    assert "could not download" in result.skipped[0]
    assert any("osv: not used" in n for n in notes)
    with db.session() as session:
        state = read_state(session)
    assert (state.coverage, state.releases_checked) == (Coverage.PARTIAL, 1)


def test_no_working_source_raises_and_changes_nothing(db: Database, tmp_path: Path) -> None:
    settings = VulnsSettings(
        osv_archive_url="http://127.0.0.1:9/a.zip", pypa_archive_url="http://127.0.0.1:9/b.zip"
    )
    with pytest.raises(SourceUnavailable) as caught:
        update_database(
            db,
            settings,
            ["osv", "pypa", "json-api"],
            workdir=tmp_path,
            timeout=5,
            filler=lambda: json_api_filler(db, "http://127.0.0.1:9/simple/", timeout=5),
        )
    message = str(caught.value)
    assert "the database was not changed" in message
    assert "osv:" in message
    assert "pypa:" in message
    assert "json-api: no releases to ask about" in message
    assert _state(db) == (Coverage.EMPTY, 0)
