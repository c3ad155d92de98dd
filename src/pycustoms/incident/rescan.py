"""`pycustoms rescan`: judge every stored file again with the current rules and policy.

A file that was allowed and is now blocked becomes a release block (source `rescan`);
if the index served it, that is an incident. The running server applies new blocks
within a second (it watches `console_release_blocks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pycustoms.config import Policy
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.incident.retro import BlockRequest, block_release
from pycustoms.incident.stored import release_of, scan_blob
from pycustoms.storage import LocalBlobStore, open_store
from pycustoms.types import Decision


@dataclass
class RescanResult:
    """What a rescan changed."""

    scanned: int = 0
    missing: int = 0
    newly_blocked: list[tuple[str, str]] = field(default_factory=list)  # (filename, sha256)
    unblocked: list[tuple[str, str]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)


def _releases(db: Database) -> dict[str, tuple[str, str]]:
    e = InstallEventRow
    query = select(e.sha256, e.project, e.version).distinct().where(e.version.is_not(None))
    with db.session() as session:
        return {sha: (project, version or "") for sha, project, version in session.execute(query)}


def rescan(
    db: Database,
    store: LocalBlobStore,
    policy: Policy,
    *,
    actor: str = "rescan",
    progress: Callable[[str], None] | None = None,
) -> RescanResult:
    """Re-judge every file with a stored verdict; block, and open incidents for, new blocks."""
    result = RescanResult()
    served = _releases(db)
    with db.session() as session:
        rows = list(session.scalars(select(ScanVerdictRow)))
    for row in rows:
        blob = store.path(row.sha256)
        if blob is None:
            result.missing += 1
            continue
        if progress is not None:
            progress(row.filename)
        scanned = scan_blob(blob, row.filename, policy)
        result.scanned += 1
        verdict = scanned.verdict
        was_blocked = row.decision == Decision.BLOCK.value
        now_blocked = verdict.decision is Decision.BLOCK
        with db.session() as session, session.begin():
            fresh = session.get(ScanVerdictRow, row.sha256)
            if fresh is not None:
                fresh.decision = verdict.decision.value
                fresh.score = verdict.score
                fresh.reasons = list(verdict.reasons)
                fresh.rules = sorted({f.rule for f in verdict.findings})
                fresh.scanned_at = datetime.now(UTC)
        if now_blocked and not was_blocked:
            result.newly_blocked.append((row.filename, row.sha256))
            project, version = served.get(row.sha256) or release_of(row.filename) or ("", "")
            if project and version:
                reason = "; ".join(verdict.reasons) or "blocked by a rescan"
                request = BlockRequest(project, version, "rescan", reason, actor, row.sha256)
                summary = block_release(db, request)
                if summary is not None:
                    result.incidents.append(summary)
        elif was_blocked and not now_blocked:
            result.unblocked.append((row.filename, row.sha256))
    return result


def store_of(data_dir: Path, store_url: str | None = None) -> LocalBlobStore:
    """The blob store a server with *data_dir* (and *store_url*, if it has one) writes."""
    return open_store(store_url, data_dir / "store")
