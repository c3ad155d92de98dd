"""The database layer on a real PostgreSQL server: migrations, `db upgrade`, the install
log's COPY batches, the incident query's index and the CLI commands replicas share."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from pycustoms.cli import main
from pycustoms.db import Database
from pycustoms.db.bulk import append_rows
from pycustoms.db.console import ReleaseBlockRow
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.errors import PycustomsError
from pycustoms.incident.model import Spec
from pycustoms.incident.query import event_query, totals_query
from pycustoms.server.console.actions import LATE_WINDOW, blocked_shas
from pycustoms.server.installlog import InstallEvent, InstallLog, read_events
from pycustoms.server.scanning import record_verdict
from pycustoms.types import ProjectName

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _event(i: int, project: str = "goodpkg", version: str = "2.0") -> InstallEvent:
    return InstallEvent(
        at=T0 + timedelta(seconds=i), environment=f"build-{i % 7}", client="127.0.0.1",
        installer="pip", installer_version="24.0", project=project, version=version,
        filename=f"{project}-{version}-py3-none-any.whl",
        sha256=hashlib.sha256(f"{project}{version}".encode()).hexdigest(),
    )  # fmt: skip


def test_db_upgrade_migrates_once_and_then_reports_current(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--database-url", postgres_url]) == 0
    first = capsys.readouterr().err
    assert "upgraded from empty to" in first
    assert main(["db", "upgrade", "--database-url", postgres_url]) == 0
    assert "already at" in capsys.readouterr().err
    db = Database(postgres_url)
    try:
        assert db.is_current()
        assert db.engine.dialect.name == "postgresql"
    finally:
        db.close()


def test_a_driverless_url_means_psycopg_3(postgres_url: str) -> None:
    bare = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    db = Database(bare).open()
    try:
        assert db.engine.dialect.driver == "psycopg"
    finally:
        db.close()


def test_the_password_is_never_in_a_message() -> None:
    db = Database("postgresql://someone:hunter2secret@127.0.0.1:1/nowhere")
    assert "hunter2secret" not in db.url
    with pytest.raises(PycustomsError) as caught:
        db.open()
    assert "hunter2secret" not in str(caught.value)
    assert "the server answers" in str(caught.value)
    db.close()


def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    # Four processes, as replicas are: without the advisory lock, two `CREATE TABLE`s
    # of the same revision race and one replica fails to start.
    command = [sys.executable, "-m", "pycustoms", "db", "upgrade", "--database-url", postgres_url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYCUSTOMS_")}
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outcomes = [(p.wait(120), p.communicate()[1].decode()) for p in procs]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    assert sum("upgraded from empty" in err for _, err in outcomes) >= 1
    db = Database(postgres_url)
    try:
        assert db.is_current()
    finally:
        db.close()


def test_install_log_copies_batches_and_clips_overlong_text(postgres_url: str) -> None:
    db = Database(postgres_url).open()
    try:
        log = InstallLog(db)
        long_label = "x" * 1000  # longer than environment's 256: PostgreSQL would refuse
        for i in range(1_234):
            event = _event(i)
            if i == 5:
                event = InstallEvent(**{**asdict(event), "environment": long_label})
            log.record(event)
        log.close()
        assert (log.written, log.lost) == (1_234, 0)
        events = read_events(db, "goodpkg")
        assert len(events) == 1_234
        assert events[5].environment == "x" * 256
        assert events[0].at == T0  # timestamps keep their zone through COPY
    finally:
        db.close()


def test_incident_query_is_answered_from_an_index(postgres_url: str) -> None:
    db = Database(postgres_url).open()
    try:
        # A popular release among many small ones: the case the covering index is for.
        rows = [asdict(_event(i, f"p{i % 500}", f"1.{i % 3}")) for i in range(40_000)]
        rows += [asdict(_event(i, "popular", "1.0")) for i in range(20_000)]
        with db.engine.begin() as connection:
            append_rows(connection, InstallEventRow.__table__, rows)  # type: ignore[arg-type]
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE install_events")
        query = event_query(Spec(ProjectName("popular"), "1.0", None, None))
        compiled = query.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        with db.engine.connect() as connection:
            plan = "\n".join(str(r[0]) for r in connection.execute(text(f"EXPLAIN {compiled}")))
            count = connection.scalar(
                select(func.count())
                .select_from(InstallEventRow)
                .where(InstallEventRow.project == "p7")
            )
        assert count == 80
        # PostgreSQL picks between the covering index (index-only) and the (project, at)
        # one by its statistics; either way it never reads the whole table.
        assert "Seq Scan" not in plan, plan
        assert "ix_install_events_incident" in plan or "ix_install_events_project" in plan, plan
        # Without a time window the query reads the totals, by their primary key.
        totals = totals_query(Spec(ProjectName("popular"), "1.0", None, None)).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE install_totals")
            plan = "\n".join(str(r[0]) for r in connection.execute(text(f"EXPLAIN {totals}")))
        assert "Seq Scan" not in plan, plan
        assert "install_totals_pkey" in plan, plan
    finally:
        db.close()


def test_incident_and_token_commands_work_on_the_shared_database(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(postgres_url).open()
    try:
        log = InstallLog(db)
        log.record(_event(1))
        log.close()
    finally:
        db.close()
    assert main(["incident", "goodpkg==2.0", "--database-url", postgres_url]) == 1
    assert "1 environment(s) affected" in capsys.readouterr().out
    assert main(["token", "create", "ci-runner", "--database-url", postgres_url]) == 0
    capsys.readouterr()
    assert main(["token", "list", "--database-url", postgres_url, "--format", "json"]) == 0
    assert "ci-runner" in capsys.readouterr().out


def _block_row(project: str) -> ReleaseBlockRow:
    return ReleaseBlockRow(
        project=project, version="1.0", sha256="b" * 64, source="manual",
        reason="r", actor="root", at=T0,
    )  # fmt: skip


def test_a_block_committed_after_a_newer_one_still_reaches_other_replicas(
    postgres_url: str,
) -> None:
    # Two admins on two replicas: the block that took the lower id commits last. A
    # replica that read only ids above the newest it had seen would never apply it.
    db = Database(postgres_url).open()
    try:
        applied: set[int] = set()
        slow = Session(db.engine)
        slow.begin()
        slow.add(_block_row("slowpkg"))
        slow.flush()  # takes its id now, commits later
        with db.session() as fast, fast.begin():
            fast.add(_block_row("fastpkg"))
        newest, blocks, _ = blocked_shas(db, 0, applied)
        assert [b[0] for b in blocks] == ["fastpkg"]
        slow.commit()
        slow.close()
        after = max(0, newest - LATE_WINDOW)
        newest_again, blocks, _ = blocked_shas(db, after, applied)
        assert [b[0] for b in blocks] == ["slowpkg"]
        assert newest_again == newest
        assert blocked_shas(db, after, applied)[1] == []  # each block applies once
    finally:
        db.close()


def _record_at_once(db: Database, sha: str, writers: int) -> list[BaseException]:
    failures: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def record() -> None:
        row = ScanVerdictRow(
            sha256=sha, filename="x-1.0-py3-none-any.whl", decision="allow",
            score=0, reasons=[], rules=[], error=None, scanned_at=T0,
        )  # fmt: skip
        barrier.wait()
        try:
            record_verdict(db, row)
        except BaseException as exc:  # reported below, with the thread's failures
            failures.append(exc)

    threads = [threading.Thread(target=record) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def test_replicas_recording_the_same_verdict_at_once_all_succeed(postgres_url: str) -> None:
    # Replicas scanning one file at the same moment: each stores the verdict, none fails.
    db = Database(postgres_url).open()
    try:
        for round_ in range(5):
            assert _record_at_once(db, f"{round_:064x}", 8) == []
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(ScanVerdictRow)) == 5
    finally:
        db.close()
