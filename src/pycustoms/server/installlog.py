"""The install log: every file served becomes an `InstallEvent` row, written in batches.

Requests only put events on a queue; one writer thread inserts them in
transactions, so the hot path never waits for the database. A batch is one
statement: COPY on PostgreSQL, one executemany on SQLite (`db.bulk`).
"""

from __future__ import annotations

import logging
import operator
import queue
import threading
import time
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from pycustoms.db.bulk import append_rows
from pycustoms.db.firewall import InstallEventRow
from pycustoms.db.session import Database
from pycustoms.retry import Backoff, retry_call

_BATCH = 500
_log = logging.getLogger(__name__)
# The database may be busy for a moment (a SQLite writer, a PostgreSQL failover).
_WRITE_BACKOFF = Backoff(retries=2, first=0.5, cap=2.0)
# A database server is a round trip (and a commit flush) away: when events queue up
# faster than they are written, take more of them per transaction (one COPY).
_BATCH_SERVER = 5_000
_IDLE = 0.25
# Once an event arrives, wait this long for more before writing: a download every
# millisecond would otherwise be a transaction (and a WAL sync) each, which costs
# the server more CPU than the downloads themselves. Events become visible to
# queries at most this much later.
_LINGER = 0.1


@dataclass(frozen=True, slots=True)
class InstallEvent:
    """One file served to one client."""

    at: datetime
    environment: str
    client: str | None
    installer: str | None
    installer_version: str | None
    project: str
    version: str | None
    filename: str
    sha256: str


_COLUMNS = tuple(f.name for f in fields(InstallEvent))
_VALUES = operator.attrgetter(*_COLUMNS)


def _row(event: InstallEvent) -> dict[str, object]:
    """*event* as a row. Not `dataclasses.asdict`: it deep-copies every value (the
    datetime too), which took over half of the writer thread's time."""
    return dict(zip(_COLUMNS, _VALUES(event), strict=True))


class InstallLog:
    """A queue in front of the `install_events` table. `close()` flushes what is pending."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._batch = _BATCH if db.backend == "sqlite" else _BATCH_SERVER
        self._queue: queue.SimpleQueue[InstallEvent | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="install-log", daemon=True)
        self._thread.start()
        self.written = 0
        self.lost = 0

    def record(self, event: InstallEvent) -> None:
        """Queue *event* (never blocks)."""
        self._queue.put(event)

    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[InstallEvent] = []
            try:
                item = self._queue.get(timeout=_IDLE)
            except queue.Empty:
                continue
            deadline = time.monotonic() + _LINGER
            while True:
                if item is None:
                    stop = True
                    break
                batch.append(item)
                if len(batch) >= self._batch:
                    break
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            if batch:
                self._write(batch)

    def _write(self, batch: list[InstallEvent]) -> None:
        def insert_all() -> None:
            with self._db.engine.begin() as connection:
                table = InstallEventRow.__table__
                append_rows(connection, table, [_row(e) for e in batch])  # type: ignore[arg-type]

        try:
            retry_call(
                insert_all,
                on=lambda exc: isinstance(exc, SQLAlchemyError),
                backoff=_WRITE_BACKOFF,
                on_retry=lambda exc, _n: _log.warning(
                    "install log: %d events not written yet (%s)", len(batch), exc
                ),
            )
        except SQLAlchemyError as exc:
            self.lost += len(batch)
            _log.error(
                "install log: %d events lost after %d attempts (%s)",
                len(batch),
                _WRITE_BACKOFF.retries + 1,
                exc,
            )
            return
        self.written += len(batch)

    def most_installed(self, count: int) -> list[str]:
        """The *count* projects served most often, most first (reads the database)."""
        query = (
            select(InstallEventRow.project)
            .group_by(InstallEventRow.project)
            .order_by(func.count().desc(), InstallEventRow.project)
            .limit(count)
        )
        with self._db.session() as session:
            return list(session.scalars(query))

    def close(self) -> None:
        """Write everything queued, then stop the writer."""
        self._queue.put(None)
        self._thread.join(timeout=30)


def read_events(db: Database, project: str | None = None) -> list[InstallEvent]:
    """Logged events, oldest first (optionally of one project)."""
    query = select(InstallEventRow).order_by(InstallEventRow.id)
    if project is not None:
        query = query.where(InstallEventRow.project == project)
    with db.session() as session:
        return [
            InstallEvent(
                r.at,
                r.environment,
                r.client,
                r.installer,
                r.installer_version,
                r.project,
                r.version,
                r.filename,
                r.sha256,
            )
            for r in session.scalars(query)
        ]
