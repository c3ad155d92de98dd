"""State changes of the console and admin API; each one writes an audit entry.

These functions block (database, webhooks): the routes call them in threads. The
in-memory side (which files the running index serves) is applied by the caller
on the event loop through `apply_to_index`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select

from pycustoms.db.console import AuditRow, QuarantineDecisionRow, ReleaseBlockRow, ReportedDistRow
from pycustoms.db.firewall import ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError
from pycustoms.incident.retro import BlockRequest, block_release, installed_shas
from pycustoms.incident.stored import release_of
from pycustoms.server.auth import revoke_token
from pycustoms.server.filtering import Block
from pycustoms.types import normalize_name

MANUAL_BLOCK = "policy/manual-block"


def _reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise UsageError("a reason is required")
    return text[:2000]


def decide(db: Database, sha256: str, decision: str, reason: str, actor: str) -> dict[str, Any]:
    """Approve or deny a quarantined file; return what the index must now do with it."""
    if decision not in {"approve", "deny"}:
        raise UsageError("decision must be 'approve' or 'deny'")
    why = _reason(reason)
    now = datetime.now(UTC)
    with db.session() as session, session.begin():
        row = session.get(ScanVerdictRow, sha256)
        if row is None or row.decision != "block":
            raise LookupError(f"{sha256} is not a quarantined file")
        session.merge(
            QuarantineDecisionRow(sha256=sha256, decision=decision, reason=why, actor=actor, at=now)
        )
        filename = row.filename
        session.add(
            AuditRow(at=now, actor=actor, action=f"quarantine-{decision}", target=filename,
                     reason=why, detail={"sha256": sha256})
        )  # fmt: skip
    project = (release_of(filename) or ("",))[0]
    return {"sha256": sha256, "filename": filename, "project": project, "decision": decision}


def block(
    db: Database, project: str, version: str, reason: str, actor: str
) -> tuple[list[str], dict[str, Any] | None]:
    """Block a release by hand: (sha256 of its served files, the new incident's summary)."""
    name = normalize_name(project)
    if not version.strip():
        raise UsageError("a version is required")
    summary = block_release(
        db, BlockRequest(name, version.strip(), "manual", _reason(reason), actor)
    )
    return installed_shas(db, name, version.strip()), summary


# Ids a PostgreSQL sequence hands out are not committed in their order: a block that
# took id 10 can become visible after one that took id 11 (two admins on two
# replicas). Each round therefore reads again the last ids below the newest seen and
# skips those already applied; 256 is far more blocks than land within one round.
LATE_WINDOW = 256


def blocked_shas(
    db: Database, after_id: int = 0, applied: set[int] | None = None
) -> tuple[int, list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Release blocks recorded after *after_id* and not in *applied*.

    Returns (newest id, [(project, sha256, reason)] for files known to the index,
    [(project, version, reason)] for whole releases: those apply to pages and
    downloads whether or not any file of the release was ever fetched). With
    *applied*, the ids read are added to it, and ids older than the late window are
    dropped from it.
    """
    out: list[tuple[str, str, str]] = []
    releases: list[tuple[str, str, str]] = []
    newest = after_id
    with db.session() as session:
        rows = session.scalars(
            select(ReleaseBlockRow)
            .where(ReleaseBlockRow.id > after_id)
            .order_by(ReleaseBlockRow.id)
        ).all()
    for row in rows:
        newest = max(newest, row.id)
        if applied is not None:
            if row.id in applied:
                continue
            applied.add(row.id)
        reason = f"{row.source}: {row.reason}"
        shas = [row.sha256] if row.sha256 else installed_shas(db, row.project, row.version or "")
        out += [(row.project, sha, reason) for sha in shas]
        if row.version and not row.sha256:
            releases.append((row.project, row.version, reason))
    if applied is not None:
        applied.difference_update({i for i in applied if i <= newest - LATE_WINDOW})
    return newest, out, releases


def decisions(db: Database) -> list[tuple[str, str, str]]:
    """Every quarantine decision: (sha256, decision, reason)."""
    with db.session() as session:
        rows = session.scalars(select(QuarantineDecisionRow)).all()
    return [(r.sha256, r.decision, r.reason) for r in rows]


# (number of decisions, newest decision time): changes whenever a decision is added or
# remade, on whichever replica; cheap to ask every round.
DecisionMarker = tuple[int, datetime | None]


def decision_marker(db: Database) -> DecisionMarker:
    """The marker of the quarantine decisions as they stand."""
    q = QuarantineDecisionRow
    with db.session() as session:
        count, newest = session.execute(select(func.count(), func.max(q.at))).one()
    return int(count), newest


def decisions_of_projects(db: Database) -> list[tuple[str, str, str, datetime]]:
    """Every quarantine decision with its file's project: (sha256, decision, project, at)."""
    q, v = QuarantineDecisionRow, ScanVerdictRow
    with db.session() as session:
        rows = session.execute(
            select(q.sha256, q.decision, v.filename, q.at).join(v, v.sha256 == q.sha256)
        ).all()
    return [
        (sha, decision, (release_of(filename) or ("",))[0], at)
        for sha, decision, filename, at in rows
    ]


def as_block(source: str, reason: str) -> Block:
    """The `Block` a client is shown for a release blocked after its scan."""
    return Block(MANUAL_BLOCK, f"{MANUAL_BLOCK}: {source}: {reason}"[:500])


def report(
    db: Database, environment: str, distributions: Iterable[Mapping[str, Any]], actor: str
) -> int:
    """Replace what *environment* reported with *distributions*; return how many were stored."""
    env = environment.strip()[:256]
    if not env:
        raise UsageError("an environment name is required")
    now = datetime.now(UTC)
    rows: list[ReportedDistRow] = []
    for dist in distributions:
        name, version = str(dist.get("name", "")).strip(), str(dist.get("version", "")).strip()
        if not name or not version:
            raise UsageError("every distribution needs a name and a version")
        files = [
            {"path": str(f.get("path", ""))[:1024], "sha256": str(f.get("sha256") or "")[:64]}
            for f in dist.get("files", []) or []
            if isinstance(f, Mapping)
        ]
        rows.append(
            ReportedDistRow(environment=env, project=normalize_name(name), version=version[:128],
                            files=files, reported_at=now, reporter=actor)
        )  # fmt: skip
    with db.session() as session, session.begin():
        session.execute(delete(ReportedDistRow).where(ReportedDistRow.environment == env))
        session.add_all(rows)
        session.add(
            AuditRow(at=now, actor=actor, action="environment-report", target=env,
                     reason=f"{len(rows)} distributions reported", detail=None)
        )  # fmt: skip
    return len(rows)


def revoke_tokens(db: Database, name: str, reason: str, actor: str) -> int:
    """Revoke every valid token called *name* and audit it; return how many."""
    why = _reason(reason)

    def audit(count: int) -> AuditRow:
        return AuditRow(at=datetime.now(UTC), actor=actor, action="token-revoke",
                        target=name[:512], reason=why, detail={"revoked": count})  # fmt: skip

    return revoke_token(db, name, record=audit)  # the revocation and its entry, together
