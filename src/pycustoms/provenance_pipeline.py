"""The provenance pipeline: sources and the database around the pure provenance analyzer,
for `inspect`, `audit`, `provenance` and the server.

    documents (index integrity API) -> verify (offline, trusted root) -> FileProvenance
    FileProvenance + history (database) -> analyze_continuity -> findings
    passing release -> recorded in the database as history

`continuity_findings` reads only the database: it is what the server's hot
path calls with files it has already checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pycustoms.analyzers.provenance.continuity import analyze_continuity
from pycustoms.analyzers.provenance.model import (
    FileProvenance,
    Publisher,
    PublisherRecord,
    Status,
)
from pycustoms.analyzers.provenance.settings import Mode, ProvenancePolicy
from pycustoms.analyzers.provenance.trust import TrustRoot
from pycustoms.errors import PycustomsError
from pycustoms.types import Finding, Severity

if TYPE_CHECKING:
    from pycustoms.db.session import Database
    from pycustoms.upstream.client import UpstreamClient
    from pycustoms.upstream.models import IndexFile, ReleaseIndex

# How many earlier releases `inspect` checks when the database knows none of them.
SEED_RELEASES = 3
Fetch = Callable[["IndexFile"], Mapping[str, Any] | None]


def check_file(
    filename: str,
    sha256: str | None,
    document: Mapping[str, Any] | None,
    root: TrustRoot,
    *,
    expected: Publisher | None = None,
) -> FileProvenance:
    """Verify one file's provenance *document* (`None`: the index has none)."""
    if document is None:
        return FileProvenance(filename, sha256, Status.ABSENT, reason="no provenance")
    if not sha256:
        return FileProvenance(
            filename, None, Status.UNCHECKED, reason="the file's sha256 is unknown"
        )
    from pycustoms.analyzers.provenance.verify import verify_provenance  # noqa: PLC0415 - sigstore

    return verify_provenance(document, filename, sha256, root, expected=expected)


def continuity_findings(
    project: str,
    version: str,
    files: Sequence[FileProvenance],
    db: Database,
    policy: ProvenancePolicy,
    *,
    now: datetime,
    record: bool = True,
    history: Sequence[PublisherRecord] | None = None,
) -> list[Finding]:
    """Continuity findings for checked *files* from the database's history (no network).

    With *record*, a release that passes (or is approved) joins the history, so
    that the next release is held to its publisher. A release that breaks
    continuity is not recorded: its publisher must not become "known".
    *history* is the project's history when the caller has read it already (the
    server's page filter reads it once per page, not once per release).
    """
    from pycustoms.db.provenance import publisher_history, record_provenance  # noqa: PLC0415

    if policy.mode is Mode.OFF:
        return []
    if history is None:
        history = publisher_history(db, project)
    findings = analyze_continuity(project, version, files, history, policy)
    if record and not any(f.severity >= Severity.CRITICAL for f in findings):
        record_provenance(db, project, version, files, now)
    return findings


@dataclass(frozen=True, slots=True)
class ReleaseProvenance:
    """What `inspect` learnt: per-file outcomes and the continuity findings."""

    files: tuple[FileProvenance, ...]
    findings: tuple[Finding, ...]


def index_fetch(client: UpstreamClient, project: str) -> Fetch:
    """Fetch a file's provenance from *client*'s integrity API; errors become `UNCHECKED`."""

    def fetch(item: IndexFile) -> Mapping[str, Any] | None:
        version = item.version
        return client.provenance(project, str(version) if version else "", item)

    return fetch


def _check_index_file(item: IndexFile, fetch: Fetch, root: TrustRoot) -> FileProvenance:
    if item.provenance_known and item.provenance is None:
        # The index said there is none (PEP 740 JSON form): no request needed.
        return check_file(item.filename, item.sha256, None, root)
    try:
        document = fetch(item)
    except PycustomsError as exc:
        return FileProvenance(item.filename, item.sha256, Status.UNCHECKED, reason=str(exc))
    if document is None and item.provenance_known and item.provenance is not None:
        return FileProvenance(
            item.filename, item.sha256, Status.UNCHECKED, reason="the index names a provenance "
            "it does not serve"
        )  # fmt: skip
    return check_file(item.filename, item.sha256, document, root)


def release_provenance(  # noqa: PLR0917 - one stage's sources and settings
    page: ReleaseIndex,
    version: str,
    fetch: Fetch,
    root: TrustRoot,
    db: Database,
    policy: ProvenancePolicy,
    *,
    now: datetime,
) -> ReleaseProvenance:
    """Check every file of *version*, seed the history if the database knows nothing, decide."""
    from packaging.version import Version  # noqa: PLC0415

    from pycustoms.db.provenance import publisher_history, record_provenance  # noqa: PLC0415

    chosen = Version(version)
    if policy.mode is Mode.OFF:
        return ReleaseProvenance((), ())
    files = tuple(_check_index_file(item, fetch, root) for item in page.files(chosen))
    if not any(r.version != version for r in publisher_history(db, page.name)):
        earlier = [v for v in page.ordered_versions() if v < chosen][-SEED_RELEASES:]
        for previous in earlier:
            items = page.files(previous)
            if items:
                # One file tells the release's publisher; prefer one that says it is attested.
                item = next((i for i in items if i.provenance), items[0])
                record_provenance(
                    db, page.name, str(previous), [_check_index_file(item, fetch, root)], now
                )
    findings = continuity_findings(page.name, version, files, db, policy, now=now)
    return ReleaseProvenance(files, tuple(findings))


def inspect_check(
    client: UpstreamClient,
    db: Database,
    policy: ProvenancePolicy,
    root: TrustRoot,
    *,
    now: datetime,
    on_fallback: Callable[[str], None],
) -> Callable[[ReleaseIndex, Any], tuple[Sequence[Finding], bool]]:
    """The `provenance` hook of `inspect_release`: (findings, replaces presence-only check).

    Continuity replaces the presence-only release check only when it stands on
    proven facts: a file of the release verified, or the database holds proven
    history. Otherwise the presence check stays, and *on_fallback* is told why.
    """
    from pycustoms.db.provenance import publisher_history  # noqa: PLC0415

    def check(page: ReleaseIndex, version: Any) -> tuple[Sequence[Finding], bool]:
        if policy.mode is Mode.OFF:
            return [], False
        fetch = index_fetch(client, page.name)
        result = release_provenance(page, str(version), fetch, root, db, policy, now=now)
        proven = any(f.verified for f in result.files) or any(
            r.version != str(version) for r in publisher_history(db, page.name)
        )
        if not proven:
            unchecked = [f for f in result.files if f.status is Status.UNCHECKED]
            on_fallback(unchecked[0].reason if unchecked else "no release has verified provenance")
        return result.findings, proven

    return check
