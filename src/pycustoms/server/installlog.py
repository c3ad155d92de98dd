"""The install log: every file served becomes an `InstallEvent` row, written in batches.

Requests only put events on a queue; one writer thread inserts them in
transactions, so the hot path never waits for the database.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from pycustoms.db.firewall import InstallEventRow
from pycustoms.db.session import Database

_BATCH = 500
_log = logging.getLogger("pycustoms.server")
_IDLE = 0.25


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


class InstallLog:
    """A queue in front of the `install_events` table. `close()` flushes what is pending."""

    def __init__(self, db: Database) -> None:
        self._db = db
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
            while True:
                if item is None:
                    stop = True
                    break
                batch.append(item)
                if len(batch) >= _BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write(batch)

    def _write(self, batch: list[InstallEvent]) -> None:
        for attempt in range(3):
            try:
                with self._db.engine.begin() as connection:
                    connection.execute(insert(InstallEventRow), [asdict(e) for e in batch])
            except SQLAlchemyError as exc:
                _log.warning("install log: %d events not written yet (%s)", len(batch), exc)
                time.sleep(0.5 * (attempt + 1))
                continue
            self.written += len(batch)
            return
        self.lost += len(batch)
        _log.error("install log: %d events lost after 3 attempts", len(batch))

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
