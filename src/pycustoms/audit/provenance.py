"""Publisher continuity of locked dependencies (PEP 740), for the audit.

By default the decision comes from the database only (no provenance is
fetched): files the firewall or `inspect` checked before stand for themselves,
files the index says have no provenance are `absent`, and attested files never
checked are left out. With `deep`, each attested file's provenance is fetched
and verified offline, and a release that keeps continuity joins the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pycustoms.analyzers.provenance.model import FileProvenance, Status
from pycustoms.analyzers.provenance.settings import Mode, ProvenancePolicy
from pycustoms.db.provenance import project_provenance
from pycustoms.db.session import Database
from pycustoms.errors import PycustomsError
from pycustoms.provenance_pipeline import check_file, continuity_findings
from pycustoms.trustroot import load_trust_root
from pycustoms.types import Finding
from pycustoms.upstream.client import UpstreamClient
from pycustoms.upstream.models import IndexFile


@dataclass(frozen=True, slots=True)
class AuditProvenance:
    """The provenance database and settings an audit holds dependencies to."""

    db: Database
    policy: ProvenancePolicy
    data_dir: Path | None = None
    deep: bool = False

    def findings(
        self, client: UpstreamClient, name: str, version: str, files: list[IndexFile], now: datetime
    ) -> list[Finding]:
        """Continuity findings of *name*==*version* whose index files are *files*."""
        if self.policy.mode is Mode.OFF or not files:
            return []
        history, recorded = project_provenance(self.db, name)
        attested = any(item.provenance for item in files)
        if not attested and not self.policy.requires(name) and not any(r.attested for r in history):
            return []
        checked = [self._check(client, name, version, item, recorded) for item in files]
        known = [item for item in checked if item is not None]
        if not known:
            return []
        return continuity_findings(
            name, version, known, self.db, self.policy, now=now, record=self.deep, history=history
        )

    def _check(
        self,
        client: UpstreamClient,
        name: str,
        version: str,
        item: IndexFile,
        recorded: dict[str, FileProvenance],
    ) -> FileProvenance | None:
        if not item.provenance:
            if item.provenance_known:
                return FileProvenance(item.filename, item.sha256, Status.ABSENT)
            return None  # the index did not say (HTML without PEP 740)
        if not self.deep:
            return recorded.get(item.filename)
        try:
            document = client.provenance(name, version, item)
            root = load_trust_root(self.data_dir)
        except PycustomsError as exc:
            return FileProvenance(item.filename, item.sha256, Status.UNCHECKED, reason=str(exc))
        if document is None:
            reason = "the index names a provenance it does not serve"
            return FileProvenance(item.filename, item.sha256, Status.UNCHECKED, reason=reason)
        return check_file(item.filename, item.sha256, document, root)
