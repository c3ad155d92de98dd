"""Retroactive detection: a release that was served and is blocked later becomes an incident.

Three things block a served release after the fact: a malware advisory (OSV `MAL-`)
imported later, a rescan with newer rules (`pycustoms rescan`), and a manual block
(admin API). Each calls `block_release`, which records the block, and, if any
environment installed the release, records one incident (once per release) whose
summary the caller sends to the webhooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pycustoms.db.advisories import AdvisoryRecordRow
from pycustoms.db.console import AuditRow, IncidentRow, ReleaseBlockRow
from pycustoms.db.firewall import InstallEventRow
from pycustoms.db.session import Database
from pycustoms.incident.model import Spec
from pycustoms.incident.query import incident_report
from pycustoms.types import ProjectName
from pycustoms.vulns.match import OsvRecord, affects


@dataclass(frozen=True, slots=True)
class BlockRequest:
    """A release (and optionally one file) to block, with who and why."""

    project: str
    version: str
    source: str  # "manual", "rescan" or "advisory"
    reason: str
    actor: str
    sha256: str | None = None


def installed_shas(db: Database, project: str, version: str) -> list[str]:
    """The sha256 of every file of the release that the index served."""
    e = InstallEventRow
    query = select(e.sha256).distinct().where(e.project == project, e.version == version)
    with db.session() as session:
        return list(session.scalars(query))


def block_release(db: Database, request: BlockRequest) -> dict[str, Any] | None:
    """Record the block (and an audit entry); return the new incident's summary, if any."""
    now = datetime.now(UTC)
    with db.session() as session, session.begin():
        session.add(
            ReleaseBlockRow(
                project=request.project, version=request.version, sha256=request.sha256,
                source=request.source, reason=request.reason, actor=request.actor, at=now,
            )
        )  # fmt: skip
        session.add(
            AuditRow(
                at=now, actor=request.actor, action=f"block-{request.source}",
                target=f"{request.project}=={request.version}", reason=request.reason,
                detail={"sha256": request.sha256} if request.sha256 else None,
            )
        )  # fmt: skip
    return open_incident(db, request, now)


def open_incident(db: Database, request: BlockRequest, now: datetime) -> dict[str, Any] | None:
    """Record an incident for the release if installed and not recorded yet; its summary."""
    spec = Spec(ProjectName(request.project), request.version)
    report = incident_report(db, [spec])
    names = list(report.environment_names)
    if not names:
        return None
    summary: dict[str, Any] = {
        "project": request.project,
        "version": request.version,
        "source": request.source,
        "reason": request.reason,
        "detected_at": now.isoformat().replace("+00:00", "Z"),
        "environments": names,
        "installs": sum(h.count for h in report.environments),
        "first_install": min(h.first for h in report.environments).isoformat(),
        "last_install": max(h.last for h in report.environments).isoformat(),
        "checklist": [c.action for c in report.checklist],
    }
    try:
        with db.session() as session, session.begin():
            session.add(
                IncidentRow(
                    project=request.project, version=request.version, source=request.source,
                    reason=request.reason, detected_at=now, environments=len(names),
                    summary=summary,
                )
            )  # fmt: skip
    except IntegrityError:
        return None  # already recorded (and notified) by an earlier detection
    return summary


def malware_blocks(db: Database) -> list[BlockRequest]:
    """Served releases that a stored `MAL-` advisory affects and that have no incident yet."""
    a, e = AdvisoryRecordRow, InstallEventRow
    with db.session() as session:
        served = set(session.scalars(select(e.project).distinct()))
        rows = session.execute(select(a.package, a.data).where(a.advisory_id.like("MAL-%"))).all()
        incidents = session.execute(select(IncidentRow.project, IncidentRow.version))
        known = {(project, version) for project, version in incidents}
        out: list[BlockRequest] = []
        for package, data in rows:
            if package not in served:
                continue
            record = OsvRecord.from_json(data)
            versions = session.scalars(
                select(e.version).distinct().where(e.project == package, e.version.is_not(None))
            ).all()
            for version in versions:
                if version and (package, version) not in known and affects(record, version):
                    reason = f"{record.id}: {record.summary or 'reported as malware'}"
                    out.append(BlockRequest(package, version, "advisory", reason, "advisories"))
                    known.add((package, version))
    return out


def detect_malware(db: Database) -> list[dict[str, Any]]:
    """Block every served release a `MAL-` advisory now names; the new incidents' summaries."""
    return _each(block_release(db, request) for request in malware_blocks(db))


def _each(summaries: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    return [s for s in summaries if s is not None]
