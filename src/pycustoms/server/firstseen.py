"""First-seen times of files whose upstream publishes no upload time.

Such a file's age counts from when pycustoms first saw it: the real upload was
no later, so the cooldown stays conservative and still lets files through once
they have waited (`trusted-for-age` skips the wait instead). The time is kept in
the database (`firewall_first_seen`) so that a restart does not make old files
look new again, and every replica sharing the database agrees on it. Reads
block (the page renderer calls this in a thread); a new file's time is written
by a thread of its own, so that a cold page does not wait for a commit. Until
it is written the time is this process's own `now`: later than any other
replica's for the same file, so never less conservative. A time that another
replica wrote first replaces it once the write finds it; one lost in a crash
is taken again, later, at the next sight of the file.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pycustoms.db.firewall import FirstSeenRow
from pycustoms.db.session import Database
from pycustoms.types import ProjectName

_log = logging.getLogger(__name__)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FirstSeen:
    """First-seen times by (project, filename), cached in memory once read or written."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()
        self._pending: queue.Queue[tuple[ProjectName, list[str], datetime] | None]
        self._pending = queue.Queue()
        self._writer: threading.Thread | None = None

    def times(
        self, project: ProjectName, filenames: Iterable[str], now: datetime
    ) -> dict[str, datetime]:
        """The first-seen time of each of *filenames*; files never seen before get *now*."""
        wanted = list(dict.fromkeys(filenames))
        out = {f: self._known[(project, f)] for f in wanted if (project, f) in self._known}
        missing = [f for f in wanted if f not in out]
        if not missing:
            return out
        with self._lock:
            stored = self._read(project)
            new = [f for f in missing if f not in stored]
            for filename, when in stored.items():
                self._known[(project, filename)] = when
            for filename in new:
                self._known[(project, filename)] = now
            if new:
                self._write_later(project, new, now)
        out.update({f: self._known[(project, f)] for f in missing})
        return out

    def _write_later(self, project: ProjectName, filenames: list[str], now: datetime) -> None:
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._run, name="pycustoms-first-seen", daemon=True
            )
            self._writer.start()
        self._pending.put((project, filenames, now))

    def _run(self) -> None:
        while True:
            item = self._pending.get()
            if item is None:
                return
            try:
                self._record(*item)
            except SQLAlchemyError as exc:
                # Not kept: the file is taken as new again (a later time) at its next sight.
                _log.warning("first-seen times of %s not written: %s", item[0], exc)

    def _record(self, project: ProjectName, filenames: list[str], now: datetime) -> None:
        if self._insert(project, filenames, now):
            return
        # Another replica recorded some of them first: theirs stand, add the rest.
        stored = self._read(project)
        for filename in (f for f in filenames if f not in stored):
            self._insert(project, [filename], now)
        stored = self._read(project)
        with self._lock:
            for filename, when in stored.items():
                self._known[(project, filename)] = when

    def close(self) -> None:
        """Write what is pending, then stop the writer."""
        if self._writer is not None:
            self._pending.put(None)
            self._writer.join(timeout=30)
            self._writer = None

    def _insert(self, project: ProjectName, filenames: list[str], now: datetime) -> bool:
        try:
            with self._db.session() as session, session.begin():
                session.add_all(
                    FirstSeenRow(project=project, filename=f, first_seen=now) for f in filenames
                )
        except IntegrityError:
            return False
        return True

    def _read(self, project: ProjectName) -> dict[str, datetime]:
        with self._db.session() as session:
            rows = session.execute(
                select(FirstSeenRow.filename, FirstSeenRow.first_seen).where(
                    FirstSeenRow.project == project
                )
            ).all()
        return {filename: _aware(when) for filename, when in rows}
