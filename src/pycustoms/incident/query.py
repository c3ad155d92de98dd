"""The incident query: one indexed, grouped read of the install log per spec.

Events are grouped in SQL by (environment, version, file, installer) so that a
release installed a million times still returns one row per distinct combination;
the rest is folded in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Select, func, select

from pycustoms.db.console import ReleaseBlockRow, ReportedDistRow
from pycustoms.db.firewall import InstallEventRow, InstallTotalRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.incident.checklist import build_checklist, capabilities_of
from pycustoms.incident.model import EnvironmentHit, IncidentReport, ReleaseFacts, Spec
from pycustoms.types import Finding

# Given a file's sha256 and name, the findings of (re)scanning it, or None if not stored.
FindingsOf = Callable[[str, str], Sequence[Finding] | None]

_URL = re.compile(r"(?:https?|wss?|ftp)://([A-Za-z0-9.\-]+(?::\d+)?)")
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b")
_HOST = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:com|net|org|io|sh|me|gg|xyz|ru|cn|app|dev|site))\b")
_NETWORK_PREFIXES = ("code/", "yara/")


def utc(value: datetime) -> datetime:
    """*value* with UTC attached if the database returned it naive (SQLite)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def destinations(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Network destinations named in the evidence of *findings* (hosts, IPs, URLs' hosts)."""
    found: set[str] = set()
    for finding in findings:
        if not finding.rule.startswith(_NETWORK_PREFIXES):
            continue
        text = f"{finding.snippet or ''} {finding.message}"
        hosts = {m.group(1).lower() for m in _URL.finditer(text)}
        hosts |= {m.group(0) for m in _IP.finditer(text)}
        hosts |= {m.group(1) for m in _HOST.finditer(text.lower())}
        found |= {h for h in hosts if not _loopback(h)}
    return tuple(sorted(found))


def _loopback(host: str) -> bool:
    # Loopback is no egress to block, whether it came from a URL or a bare address.
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name == "localhost" or name.startswith("127.")


@dataclass
class _Fold:
    first: datetime
    last: datetime
    count: int = 0
    sha256: set[str] = field(default_factory=set)
    installers: set[str] = field(default_factory=set)


def event_query(
    spec: Spec,
) -> Select[str, str | None, str, str | None, datetime, datetime, int]:
    """The grouped read of *spec*'s install events (one row per environment, file, installer).

    Core, not the ORM: a popular release groups into tens of thousands of rows, and
    ORM row loading costs several times the query itself. Migration 0008's covering
    index (project, version, environment, sha256, installer, at) answers the whole
    grouped read from the index, without visiting the table, on SQLite and
    PostgreSQL alike (tests/db/test_query_plans.py, tests/db/test_postgres.py).
    """
    e = InstallEventRow
    query = select(
        e.environment, e.version, e.sha256, e.installer,
        func.min(e.at), func.max(e.at), func.count(),
    ).where(e.project == spec.project)  # fmt: skip
    if spec.version is not None:
        query = query.where(e.version == spec.version)
    if spec.since is not None:
        query = query.where(e.at >= spec.since)
    if spec.until is not None:
        query = query.where(e.at <= spec.until)
    # In the index's column order: PostgreSQL then groups the rows as the index yields them.
    return query.group_by(e.version, e.environment, e.sha256, e.installer)


def totals_query(
    spec: Spec,
) -> Select[str, str | None, str, str | None, datetime, datetime, int]:
    """The same groups as `event_query`, read from `install_totals` (no time bounds).

    Migration 0016's trigger keeps one row per group on PostgreSQL, so a release
    installed a million times is still read as at most a few thousand rows, by
    primary key.
    """
    t = InstallTotalRow
    unknown = ""  # how the totals store an unknown version or installer
    query = select(
        t.environment, func.nullif(t.version, unknown), t.sha256,
        func.nullif(t.installer, unknown), t.first_at, t.last_at, t.installs,
    ).where(t.project == spec.project)  # fmt: skip
    if spec.version is not None:
        query = query.where(t.version == spec.version)
    return query


def _event_hits(db: Database, spec: Spec) -> list[EnvironmentHit]:
    # Only PostgreSQL keeps the totals (migration 0016 says why SQLite does not).
    bounded = spec.since is not None or spec.until is not None
    totals = db.backend == "postgresql" and not bounded
    query = totals_query(spec) if totals else event_query(spec)
    folds: dict[tuple[str, str | None], _Fold] = {}
    with db.engine.connect() as connection:
        for env, version, sha, installer, first, last, count in connection.execute(query):
            fold = folds.get((env, version))
            if fold is None:
                fold = folds[(env, version)] = _Fold(first, last)
            else:
                fold.first, fold.last = min(fold.first, first), max(fold.last, last)
            fold.count += count
            fold.sha256.add(sha)
            if installer:
                fold.installers.add(installer)
    return [
        EnvironmentHit(
            env, spec.project, version, utc(f.first), utc(f.last), f.count,
            tuple(sorted(f.sha256)), tuple(sorted(f.installers)),
        )
        for (env, version), f in folds.items()
    ]  # fmt: skip


def _reported_hits(db: Database, spec: Spec) -> list[EnvironmentHit]:
    r = ReportedDistRow
    query = select(r).where(r.project == spec.project)
    if spec.version is not None:
        query = query.where(r.version == spec.version)
    hits: list[EnvironmentHit] = []
    with db.session() as session:
        for row in session.scalars(query):
            when = utc(row.reported_at)
            if (spec.since and when < spec.since) or (spec.until and when > spec.until):
                continue
            shas = tuple(sorted({str(f.get("sha256")) for f in row.files or [] if f.get("sha256")}))
            hits.append(
                EnvironmentHit(
                    row.environment, row.project, row.version, when, when, 1, shas,
                    ("reported",), source="reported",
                )
            )  # fmt: skip
    return hits


def _release_facts(
    db: Database, spec: Spec, hits: Sequence[EnvironmentHit]
) -> list[tuple[ReleaseFacts, list[tuple[str, str]]]]:
    by_version: dict[str | None, set[str]] = {}
    for hit in hits:
        by_version.setdefault(hit.version, set()).update(hit.sha256)
    if spec.version is not None:
        by_version.setdefault(spec.version, set())
    out: list[tuple[ReleaseFacts, list[tuple[str, str]]]] = []
    with db.session() as session:
        for version, shas in sorted(by_version.items(), key=lambda kv: kv[0] or ""):
            verdicts = (
                session.scalars(select(ScanVerdictRow).where(ScanVerdictRow.sha256.in_(shas))).all()
                if shas
                else []
            )
            blocks = session.scalars(
                select(ReleaseBlockRow.reason).where(
                    ReleaseBlockRow.project == spec.project,
                    (ReleaseBlockRow.version == version) | ReleaseBlockRow.version.is_(None),
                )
            ).all()
            files = sorted((v.filename, v.sha256) for v in verdicts)
            rules = sorted({r for v in verdicts for r in v.rules or []})
            reasons = [*blocks, *(x for v in verdicts if v.decision == "block" for x in v.reasons)]
            facts = ReleaseFacts(
                spec.project, version, tuple(files),
                tuple(sorted({v.decision for v in verdicts})), tuple(rules),
                tuple(dict.fromkeys(reasons)),
            )  # fmt: skip
            out.append((facts, files))
    return out


def incident_report(
    db: Database, specs: Sequence[Spec], findings_of: FindingsOf | None = None
) -> IncidentReport:
    """Affected environments, release facts and the rotation checklist for *specs*."""
    hits: list[EnvironmentHit] = []
    releases: list[ReleaseFacts] = []
    found: list[Finding] = []
    notes: list[str] = []
    for spec in specs:
        spec_hits = _event_hits(db, spec) + _reported_hits(db, spec)
        hits.extend(spec_hits)
        for facts, files in _release_facts(db, spec, spec_hits):
            releases.append(facts)
            for filename, sha in files:
                if findings_of is None:
                    continue
                got = findings_of(sha, filename)
                if got is None:
                    notes.append(f"{filename}: not in the blob store; destinations unknown")
                else:
                    found.extend(got)
    rules = sorted({r for rel in releases for r in rel.rules} | {f.rule for f in found})
    dests = destinations(found)
    hits.sort(key=lambda h: (h.project, h.version or "", h.first, h.environment))
    return IncidentReport(
        specs=tuple(specs),
        generated_at=datetime.now(UTC),
        environments=tuple(hits),
        releases=tuple(releases),
        capabilities=capabilities_of(rules),
        destinations=dests,
        checklist=build_checklist(rules, dests),
        notes=tuple(notes),
    )
