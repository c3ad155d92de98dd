"""Read models of the console and admin API: plain dicts from the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from pycustoms.db.console import (
    AuditRow,
    IncidentRow,
    QuarantineDecisionRow,
    ReleaseBlockRow,
    ReportedDistRow,
)
from pycustoms.db.firewall import EnvironmentTotalRow, InstallEventRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.incident.query import utc
from pycustoms.incident.stored import release_of


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a Z, or `None`."""
    return utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def _verdict(row: ScanVerdictRow, decision: QuarantineDecisionRow | None) -> dict[str, Any]:
    project, version = release_of(row.filename) or ("", "")
    return {
        "sha256": row.sha256,
        "filename": row.filename,
        "project": project,
        "version": version,
        "decision": row.decision,
        "score": row.score,
        "reasons": list(row.reasons or []),
        "rules": list(row.rules or []),
        "scanned_at": iso(row.scanned_at),
        "review": None
        if decision is None
        else {
            "decision": decision.decision,
            "reason": decision.reason,
            "actor": decision.actor,
            "at": iso(decision.at),
        },
    }


def quarantine(
    db: Database, *, pending_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """Files the scanner blocked, newest first; by default only those without a decision."""
    v, q = ScanVerdictRow, QuarantineDecisionRow
    query = (
        select(v, q)
        .outerjoin(q, q.sha256 == v.sha256)
        .where(v.decision == "block")
        .order_by(v.scanned_at.desc())
        .limit(limit)
    )
    if pending_only:
        query = query.where(q.sha256.is_(None))
    with db.session() as session:
        return [_verdict(row, decision) for row, decision in session.execute(query)]


def verdict(db: Database, sha256: str) -> dict[str, Any] | None:
    """One stored verdict with its review, or `None`."""
    with db.session() as session:
        row = session.get(ScanVerdictRow, sha256)
        if row is None:
            return None
        return _verdict(row, session.get(QuarantineDecisionRow, sha256))


def package_installs_query(project: str) -> Select[str, int, int, datetime]:
    """Installs, environments and last install of each version of *project* (read from
    the totals of migration 0017; the version is '' when unknown)."""
    t = EnvironmentTotalRow
    return (
        select(t.version, func.sum(t.installs), func.count(), func.max(t.last_at))
        .where(t.project == project)
        .group_by(t.version)
    )


def package(db: Database, project: str) -> dict[str, Any]:
    """Files (verdicts), blocks, incidents and installs per version of *project*."""
    v = ScanVerdictRow
    pattern = project.replace("-", "_") + "-%"  # `_` matches any of `-_.` in LIKE
    with db.session() as session:
        rows = session.execute(
            select(v, QuarantineDecisionRow)
            .outerjoin(QuarantineDecisionRow, QuarantineDecisionRow.sha256 == v.sha256)
            .where(v.filename.like(pattern))
        )
        files = [_verdict(r, d) for r, d in rows if (release_of(r.filename) or ("",))[0] == project]
        installs = session.execute(package_installs_query(project)).all()
        blocks = session.scalars(
            select(ReleaseBlockRow).where(ReleaseBlockRow.project == project)
        ).all()
        incidents = session.scalars(select(IncidentRow).where(IncidentRow.project == project)).all()
    return {
        "project": project,
        "files": sorted(files, key=lambda f: (f["version"], f["filename"])),
        "installs": [
            {"version": ver or None, "count": int(n), "environments": envs, "last": iso(last)}
            for ver, n, envs, last in installs
        ],
        "blocks": [
            {
                "version": b.version,
                "source": b.source,
                "reason": b.reason,
                "actor": b.actor,
                "at": iso(b.at),
            }
            for b in blocks
        ],
        "incidents": [incident_dict(i) for i in incidents],
    }


def incident_dict(row: IncidentRow) -> dict[str, Any]:
    """An incident row as JSON."""
    return {
        "id": row.id,
        "project": row.project,
        "version": row.version,
        "source": row.source,
        "reason": row.reason,
        "detected_at": iso(row.detected_at),
        "environments": row.environments,
        "summary": row.summary,
    }


def incidents(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Detected incidents, newest first."""
    query = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit)
    with db.session() as session:
        return [incident_dict(r) for r in session.scalars(query)]


def recent_installs(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """The newest install events."""
    e = InstallEventRow
    query = select(e).order_by(e.id.desc()).limit(limit)
    with db.session() as session:
        return [
            {"at": iso(r.at), "environment": r.environment, "project": r.project,
             "version": r.version, "filename": r.filename, "sha256": r.sha256,
             "installer": r.installer, "installer_version": r.installer_version}
            for r in session.scalars(query)
        ]  # fmt: skip


def recent_blocks(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The newest release blocks (manual, rescan, advisory)."""
    query = select(ReleaseBlockRow).order_by(ReleaseBlockRow.id.desc()).limit(limit)
    with db.session() as session:
        return [
            {"project": b.project, "version": b.version, "source": b.source,
             "reason": b.reason, "actor": b.actor, "at": iso(b.at)}
            for b in session.scalars(query)
        ]  # fmt: skip


def environments_query(limit: int = 1000) -> Select[str, int, int, datetime]:
    """Installs, distinct projects and last install per environment, newest first (read
    from the per-project totals of migration 0017, not the events)."""
    t = EnvironmentTotalRow
    return (
        select(
            t.environment,
            func.sum(t.installs),
            func.count(func.distinct(t.project)),
            func.max(t.last_at),
        )
        .group_by(t.environment)
        .order_by(func.max(t.last_at).desc())
        .limit(limit)
    )


def environments(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    """Environments with install counts and last install (plus reported-only ones)."""
    query = environments_query(limit)
    r = ReportedDistRow
    reported = select(r.environment, func.count(), func.max(r.reported_at)).group_by(r.environment)
    with db.session() as session:
        out: dict[str, dict[str, Any]] = {
            env: {"environment": env, "installs": int(n), "projects": projects,
                  "last_install": iso(last), "reported": 0, "reported_at": None}
            for env, n, projects, last in session.execute(query)
        }  # fmt: skip
        for env, n, last in session.execute(reported):
            item = out.setdefault(
                env,
                {"environment": env, "installs": 0, "projects": 0, "last_install": None},
            )
            item["reported"], item["reported_at"] = n, iso(last)
    return list(out.values())


def environment(db: Database, name: str, limit: int = 500) -> dict[str, Any]:
    """What one environment installed (newest first) and what it reported."""
    e, r = InstallEventRow, ReportedDistRow
    with db.session() as session:
        installs = session.execute(
            select(e.project, e.version, func.count(), func.min(e.at), func.max(e.at))
            .where(e.environment == name)
            .group_by(e.project, e.version)
            .order_by(func.max(e.at).desc())
            .limit(limit)
        ).all()
        reported = session.scalars(select(r).where(r.environment == name).order_by(r.project)).all()
    return {
        "environment": name,
        "installs": [
            {"project": p, "version": v, "count": n, "first": iso(f), "last": iso(last)}
            for p, v, n, f, last in installs
        ],
        "reported": [
            {
                "project": x.project,
                "version": x.version,
                "files": len(x.files or []),
                "reported_at": iso(x.reported_at),
            }
            for x in reported
        ],
    }


def audit(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    """The audit log, newest first."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    with db.session() as session:
        return [
            {"id": a.id, "at": iso(a.at), "actor": a.actor, "action": a.action,
             "target": a.target, "reason": a.reason, "detail": a.detail}
            for a in session.scalars(query)
        ]  # fmt: skip
