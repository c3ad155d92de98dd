"""Publisher continuity on the firewall: pages decide from the database, downloads verify.

Page path (`ProvenanceBook.blocks`, run inside the page render): one indexed
query per project reads its publisher history and the recorded outcome of each
of its files; `continuity_findings` (no network, no writes) then decides each
release listed. A release that breaks continuity is hidden, and a direct
request for one of its files gets the block as a 403. Projects whose page
marks no file attested, and which the policy does not require, cost nothing.

Download path (`ProvenanceBook.verdict`, before a file is served): a file the
page marks attested and that was never checked here has its PEP 740
provenance fetched through the upstream client and verified offline against
the trusted root; the outcome joins the history when the release keeps
continuity. When the database knows no attested release of the project,
`seed` first verifies up to three earlier attested releases (as `inspect`
does), so that a firewall that never saw a project still holds its newest
release to the publisher of the ones before.

`version` is part of every page's cache key: it changes when this process
writes a record or learns something (a break), and when another process writes
one (a watcher reads the table's token off the request path).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import Version
from sqlalchemy.exc import SQLAlchemyError

from pycustoms.analyzers.provenance.model import FileProvenance, Status
from pycustoms.analyzers.provenance.settings import Mode, ProvenancePolicy
from pycustoms.analyzers.provenance.trust import TrustRootError
from pycustoms.db.provenance import project_provenance, provenance_token, record_provenance
from pycustoms.db.session import Database
from pycustoms.errors import PycustomsError
from pycustoms.provenance_pipeline import (
    SEED_RELEASES,
    check_file,
    continuity_findings,
)
from pycustoms.server.filtering import Block
from pycustoms.trustroot import load_trust_root
from pycustoms.types import Finding, ProjectName, Severity
from pycustoms.upstream.models import IndexFile, ProjectPage

# Fetches one file's provenance document (`None`: the index has none); blocking.
FetchDocument = Callable[[IndexFile], Mapping[str, Any] | None]
_log = logging.getLogger(__name__)
# Which finding names a hidden release, when a release breaks more than one rule.
_ORDER = ("provenance/invalid", "provenance/publisher-changed", "provenance/missing",
          "provenance/required-missing")  # fmt: skip


def said_absent(item: IndexFile) -> bool:
    """True when the index says *item* has no provenance (PEP 740 JSON: `provenance: null`)."""
    return item.provenance_known and item.provenance is None


def _block(findings: list[Finding]) -> Block | None:
    breaking = [f for f in findings if f.severity >= Severity.CRITICAL]
    if not breaking:
        return None
    top = min(breaking, key=lambda f: _ORDER.index(f.rule) if f.rule in _ORDER else len(_ORDER))
    return Block(top.rule, f"{top.rule}: {top.message}")


class ProvenanceBook:
    """Continuity decisions of one server process over the provenance database."""

    def __init__(self, db: Database, data_dir: Path, *, check_every: float = 1.0) -> None:
        self._db = db
        self._data_dir = data_dir
        self._check_every = check_every
        self.version = 0
        self._token = self._read_token()
        # Outcomes checked here that are not in the database (continuity breaks, invalid).
        self._outcomes: dict[tuple[ProjectName, str], FileProvenance] = {}
        # Per project: the files the database holds (refreshed by every page render).
        self._recorded: dict[ProjectName, Mapping[str, FileProvenance]] = {}
        self._checking: dict[tuple[ProjectName, str], asyncio.Future[Block | None]] = {}
        self._seeding: dict[ProjectName, asyncio.Future[bool]] = {}
        self._seeded: set[ProjectName] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="provenance-version", daemon=True)
        self._thread.start()

    # -- the version token ------------------------------------------------------------------

    def _read_token(self) -> object:
        try:
            return provenance_token(self._db)
        except SQLAlchemyError as exc:  # keep the last token: pages keep their key
            _log.warning("provenance database: version not read (%s)", exc)
            return getattr(self, "_token", None)

    def _watch(self) -> None:
        while not self._stop.wait(self._check_every):
            token = self._read_token()
            if token != self._token:
                self._token = token
                self._bump()

    def _bump(self) -> None:
        with self._lock:
            self.version += 1

    def close(self) -> None:
        """Stop the version watcher."""
        self._stop.set()
        self._thread.join(timeout=5)

    # -- page path ----------------------------------------------------------------------------

    def blocks(
        self, name: ProjectName, page: ProjectPage, policy: ProvenancePolicy, now: datetime
    ) -> dict[Version, Block]:
        """The continuity block of each release of *page* that breaks it (blocking: one query)."""
        if policy.mode is Mode.OFF:
            return {}
        if not policy.requires(name) and not any(item.provenance for item in page.files):
            return {}
        history, recorded = project_provenance(self._db, name)
        self._recorded[name] = recorded
        out: dict[Version, Block] = {}
        for version, items in page.files_by_version().items():
            files: list[FileProvenance] = []
            for item in items:
                known = self._outcomes.get((name, item.filename)) or recorded.get(item.filename)
                if known is not None:
                    files.append(known)
                elif said_absent(item):
                    files.append(FileProvenance(item.filename, item.sha256, Status.ABSENT))
                # else: attested and not checked yet; decided when it is downloaded.
            if not files:
                continue
            findings = continuity_findings(
                name, str(version), files, self._db, policy, now=now, record=False, history=history
            )
            block = _block(findings)
            if block is not None:
                out[version] = block
        return out

    # -- download path ------------------------------------------------------------------------

    async def seed(self, name: ProjectName, page: ProjectPage, fetch: FetchDocument) -> bool:
        """Verify earlier attested releases when the database knows none; True if it learnt any.

        Shared by concurrent requests; done at most once per project and process.
        """
        if name in self._seeded or not any(item.provenance for item in page.files):
            return False
        job = self._seeding.get(name)
        if job is None:
            job = asyncio.ensure_future(asyncio.to_thread(self._seed, name, page, fetch))
            self._seeding[name] = job
            job.add_done_callback(lambda _: self._seeding.pop(name, None))
        return await asyncio.shield(job)

    def _seed(self, name: ProjectName, page: ProjectPage, fetch: FetchDocument) -> bool:
        history, _ = project_provenance(self._db, name)
        self._seeded.add(name)
        if any(record.attested for record in history):
            return False
        grouped = page.files_by_version()
        if not grouped:
            return False
        newest = max(grouped)
        attested = [
            v for v in sorted(grouped) if v < newest and any(i.provenance for i in grouped[v])
        ]
        now = datetime.now(UTC)
        written = 0
        for version in attested[-SEED_RELEASES:]:
            # One file tells the release's publisher.
            item = next(i for i in grouped[version] if i.provenance)
            outcome = self._check(item, fetch)
            written += record_provenance(self._db, name, str(version), [outcome], now)
        if written:
            self._bump()
        return written > 0

    async def verdict(
        self,
        name: ProjectName,
        item: IndexFile,
        version: Version | None,
        fetch: FetchDocument,
        policy: ProvenancePolicy,
    ) -> Block | None:
        """The continuity block of a file about to be served, verifying it first if needed."""
        if policy.mode is Mode.OFF or version is None:
            return None
        if not item.provenance and not policy.requires(name):
            return None  # unattested: the page decided it from the history
        if item.filename in self._recorded.get(name, {}):
            return None  # checked before and it kept continuity
        key = (name, item.filename)
        job = self._checking.get(key)
        if job is None:
            job = asyncio.ensure_future(
                asyncio.to_thread(self._decide, name, item, str(version), fetch, policy)
            )
            self._checking[key] = job
            job.add_done_callback(lambda _: self._checking.pop(key, None))
        return await asyncio.shield(job)

    def _check(self, item: IndexFile, fetch: FetchDocument) -> FileProvenance:
        """Fetch and verify *item*'s provenance (network, then offline verification)."""
        if not item.provenance:
            return FileProvenance(item.filename, item.sha256, Status.ABSENT, reason="no provenance")
        try:
            root = load_trust_root(self._data_dir)
            document = fetch(item)
        except (PycustomsError, TrustRootError) as exc:
            return FileProvenance(item.filename, item.sha256, Status.UNCHECKED, reason=str(exc))
        if document is None:
            reason = "the index names a provenance it does not serve"
            return FileProvenance(item.filename, item.sha256, Status.UNCHECKED, reason=reason)
        return check_file(item.filename, item.sha256, document, root)

    def _decide(
        self,
        name: ProjectName,
        item: IndexFile,
        version: str,
        fetch: FetchDocument,
        policy: ProvenancePolicy,
    ) -> Block | None:
        key = (name, item.filename)
        outcome = self._outcomes.get(key) or self._check(item, fetch)
        findings = continuity_findings(
            name, version, [outcome], self._db, policy, now=datetime.now(UTC)
        )
        block = _block(findings)
        if block is None:
            self._outcomes.pop(key, None)
            if outcome.status in (Status.VERIFIED, Status.ABSENT):
                recorded = dict(self._recorded.get(name, {}))
                recorded[item.filename] = outcome
                self._recorded[name] = recorded
                self._bump()
        elif outcome.status is not Status.UNCHECKED:
            # Remembered so that pages hide the release (not recorded: its publisher
            # must not become "known"). Unchecked outcomes are tried again next time.
            self._outcomes[key] = outcome
            self._bump()
        _log.info("%s: provenance %s%s", item.filename, outcome.status,
                  f" ({block.reason})" if block else "")  # fmt: skip
        return block
