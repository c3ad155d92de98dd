"""The dashboard's aggregates: what happened per day, why things were blocked, who is exposed.

Plain dicts and lists from the database, like `data.py`; the charts are drawn from
them by `charts.py`. Days are UTC calendar days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from pycustoms.db.console import IncidentRow, QuarantineDecisionRow, ReleaseBlockRow
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.server.console.data import iso

DAYS = 14


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per UTC day, oldest first, every day of the window present (zeros included)."""

    name: str
    unit: str
    days: tuple[tuple[date, int], ...]

    @property
    def total(self) -> int:
        """The sum over the window."""
        return sum(n for _, n in self.days)

    @property
    def today(self) -> int:
        """The newest day's count."""
        return self.days[-1][1] if self.days else 0


def _window(now: datetime, days: int) -> tuple[date, datetime]:
    first = (now.astimezone(UTC) - timedelta(days=days - 1)).date()
    return first, datetime(first.year, first.month, first.day, tzinfo=UTC)


def _per_day(
    db: Database,
    column: InstrumentedAttribute[datetime],
    since: datetime,
    *where: ColumnElement[bool],
) -> dict[date, int]:
    day = func.date(column)
    query = select(day, func.count()).where(column >= since, *where).group_by(day)
    with db.session() as session:
        # SQLite answers the day as text, PostgreSQL as a date.
        return {date.fromisoformat(str(d)[:10]): n for d, n in session.execute(query) if d}


def _series(name: str, unit: str, counts: dict[date, int], first: date, days: int) -> Series:
    span = [first + timedelta(days=i) for i in range(days)]
    return Series(name, unit, tuple((d, counts.get(d, 0)) for d in span))


def trends(db: Database, now: datetime, days: int = DAYS) -> list[Series]:
    """Installs served, releases blocked (by hand, a rescan or an advisory) and files the
    scanner quarantined, per day over the last *days* days."""
    first, since = _window(now, days)
    installs = _per_day(db, InstallEventRow.at, since)
    blocks = _per_day(db, ReleaseBlockRow.at, since)
    quarantined = _per_day(db, ScanVerdictRow.scanned_at, since, ScanVerdictRow.decision == "block")
    return [
        _series("Installs", "installs", installs, first, days),
        _series("Releases blocked", "blocks", blocks, first, days),
        _series("Files quarantined", "files", quarantined, first, days),
    ]


def top_reasons(db: Database, limit: int = 8) -> list[dict[str, Any]]:
    """Why things were blocked, most frequent first: the scanner's deciding reason per
    quarantined file, and the reason of each release block (by its source)."""
    counts: Counter[tuple[str, str]] = Counter()
    with db.session() as session:
        verdicts = session.scalars(
            select(ScanVerdictRow.reasons).where(ScanVerdictRow.decision == "block")
        )
        for reasons in verdicts:
            first = next(iter(reasons or []), "") or "blocked by the scanner"
            counts["scanner", str(first)] += 1
        blocks = session.execute(
            select(ReleaseBlockRow.source, ReleaseBlockRow.reason, func.count()).group_by(
                ReleaseBlockRow.source, ReleaseBlockRow.reason
            )
        )
        for source, reason, n in blocks:
            counts[str(source), str(reason)] += n
    return [
        {"source": source, "reason": reason, "count": n}
        for (source, reason), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    ]


@dataclass
class _Exposure:
    environment: str
    releases: dict[str, set[str]] = field(default_factory=dict)  # release -> why
    installs: int = 0
    last: datetime | None = None


def _flagged(db: Database) -> tuple[dict[tuple[str, str], set[str]], dict[str, str]]:
    """Releases flagged as a whole (blocks, incidents) and files flagged by their scan."""
    releases: dict[tuple[str, str], set[str]] = {}
    files: dict[str, str] = {}
    v, q = ScanVerdictRow, QuarantineDecisionRow
    with db.session() as session:
        for project, version, source in session.execute(
            select(ReleaseBlockRow.project, ReleaseBlockRow.version, ReleaseBlockRow.source)
        ):
            if version:
                releases.setdefault((project, version), set()).add(f"blocked ({source})")
        for project, version in session.execute(select(IncidentRow.project, IncidentRow.version)):
            releases.setdefault((project, version), set()).add("incident")
        for sha, decision, review in session.execute(
            select(v.sha256, v.decision, q.decision)
            .outerjoin(q, q.sha256 == v.sha256)
            .where(v.decision != "allow")
        ):
            files[sha] = f"scanner {decision}" + (f", {review}d" if review else "")
    return releases, files


def exposure(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """Environments that installed a flagged release or file, most exposed first.

    Flagged: a blocked release, a release with an incident, or a file the scanner
    warned about or blocked (then perhaps approved). Only the flagged projects'
    install events are read, so the cost follows the flagged set, not the install log.
    """
    releases, files = _flagged(db)
    projects = {p for p, _ in releases}
    e = InstallEventRow
    shas = list(files)
    if not projects and not shas:
        return []
    where = or_(e.project.in_(projects), e.sha256.in_(shas))
    query = (
        select(e.environment, e.project, e.version, e.sha256, func.count(), func.max(e.at))
        .where(where)
        .group_by(e.environment, e.project, e.version, e.sha256)
    )
    found: dict[str, _Exposure] = {}
    with db.session() as session:
        for env, project, version, sha, n, last in session.execute(query):
            why = set(releases.get((project, version or ""), set()))
            if sha in files:
                why.add(files[sha])
            if not why:
                continue
            item = found.setdefault(env, _Exposure(env))
            item.releases.setdefault(f"{project}=={version or '?'}", set()).update(why)
            item.installs += n
            item.last = last if item.last is None or (last and last > item.last) else item.last
    ranked = sorted(found.values(), key=lambda x: (-len(x.releases), -x.installs, x.environment))
    return [
        {
            "environment": x.environment,
            "count": len(x.releases),
            "installs": x.installs,
            "last": iso(x.last),
            "releases": [
                {"release": r, "why": sorted(why)} for r, why in sorted(x.releases.items())
            ],
        }
        for x in ranked[:limit]
    ]
