"""Advisories on the page path: releases reported as malware (OSV `MAL-`) or vulnerable.

`AdvisoryBook` reads the offline advisory database (`pycustoms db import-osv`).
Its `version` is an in-memory token of the last import, refreshed off the
request path, and part of every page's cache key: an import re-filters pages at
their next request. Records are read once per page render (one indexed query);
matching and severity are the `vulns.match` functions. `release_blocks` is pure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping

from packaging.version import Version
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from pycustoms.db.advisories import AdvisoryImportRow, AdvisoryRecordRow
from pycustoms.db.session import Database
from pycustoms.server.filtering import Block
from pycustoms.types import ProjectName, Severity
from pycustoms.vulns.analyze import KNOWN_VULNERABILITY, MALICIOUS
from pycustoms.vulns.match import OsvRecord, affects, severity

_log = logging.getLogger(__name__)


def _is_malicious(record: OsvRecord) -> bool:
    return record.id.startswith("MAL-")


def release_blocks(
    records: Iterable[OsvRecord],
    versions: Iterable[Version],
    threshold: Severity | None,
) -> dict[Version, Block]:
    """The block of each of *versions* that an advisory in *records* affects.

    A `MAL-` record always blocks (`vulns/malicious`); any other record blocks
    (`vulns/known-vulnerability`) only when its severity reaches *threshold*
    (`None`: vulnerabilities are not blocked).
    """
    relevant = [
        (r, severity(r)[0])
        for r in records
        if _is_malicious(r) or (threshold is not None and severity(r)[0] >= threshold)
    ]
    if not relevant:
        return {}
    out: dict[Version, Block] = {}
    for version in set(versions):
        text = str(version)
        hits = [(r, level) for r, level in relevant if affects(r, text)]
        if not hits:
            continue
        malware = [r for r, _ in hits if _is_malicious(r)]
        if malware:
            ids = ", ".join(sorted(r.id for r in malware))
            summary = malware[0].summary or "reported as malware"
            out[version] = Block(MALICIOUS, f"{MALICIOUS}: {ids}: {summary}")
            continue
        record, level = max(hits, key=lambda hit: (hit[1], hit[0].id))
        ids = ", ".join(sorted({r.id for r, _ in hits}))
        out[version] = Block(
            KNOWN_VULNERABILITY,
            f"{KNOWN_VULNERABILITY}: {ids} ({level.label}): {record.summary or 'no summary'}",
        )
    return out


class AdvisoryBook:
    """The offline advisory database as the page cache needs it."""

    def __init__(self, db: Database, *, check_every: float = 1.0) -> None:
        self._db = db
        self._check_every = check_every
        self.version = self._read_version()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="advisory-version", daemon=True)
        self._thread.start()

    def _read_version(self) -> int:
        """A token that changes with every import (the newest import's id; 0 if none)."""
        try:
            with self._db.session() as session:
                return int(session.scalar(select(func.max(AdvisoryImportRow.id))) or 0)
        except SQLAlchemyError as exc:  # keep the last known version; pages keep their key
            _log.warning("advisory database: version not read (%s)", exc)
            return getattr(self, "version", 0)

    def _watch(self) -> None:
        while not self._stop.wait(self._check_every):
            self.version = self._read_version()

    def records(self, name: ProjectName) -> list[OsvRecord]:
        """Every stored record about *name* (blocking: one indexed query)."""
        with self._db.session() as session:
            rows = session.scalars(
                select(AdvisoryRecordRow.data).where(AdvisoryRecordRow.package == name)
            ).all()
        return [OsvRecord.from_json(row) for row in rows]

    def blocks(
        self, name: ProjectName, versions: Iterable[Version], threshold: Severity | None
    ) -> Mapping[Version, Block]:
        """`release_blocks` over the stored records of *name*."""
        return release_blocks(self.records(name), versions, threshold)

    def close(self) -> None:
        """Stop the version watcher."""
        self._stop.set()
        self._thread.join(timeout=5)
