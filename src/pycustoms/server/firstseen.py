"""First-seen times of files whose upstream publishes no upload time.

Such a file's age counts from when pycustoms first saw it: the real upload was
no later, so the cooldown stays conservative and still lets files through once
they have waited (`trusted-for-age` skips the wait instead). The time is kept in
the database (`firewall_first_seen`) so that a restart does not make old files
look new again, and every replica sharing the database agrees on it. Reads and
writes block; the page renderer calls this in a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pycustoms.db.firewall import FirstSeenRow
from pycustoms.db.session import Database
from pycustoms.types import ProjectName


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FirstSeen:
    """First-seen times by (project, filename), cached in memory once read or written."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

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
            if new and not self._insert(project, new, now):
                # Another replica recorded some of them first: theirs stand, add the rest.
                stored = self._read(project)
                for filename in (f for f in new if f not in stored):
                    self._insert(project, [filename], now)
                stored = self._read(project)
            for filename in new:
                stored.setdefault(filename, now)
            for filename, when in stored.items():
                self._known[(project, filename)] = when
        out.update({f: self._known[(project, f)] for f in missing})
        return out

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
