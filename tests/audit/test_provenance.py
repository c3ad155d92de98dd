"""Publisher continuity in the audit: from the database, and with `deep` from the index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pycustoms.analyzers.provenance import ProvenancePolicy
from pycustoms.analyzers.release import ReleasePolicy
from pycustoms.audit.indexcheck import IndexChecker
from pycustoms.audit.model import Dependency
from pycustoms.audit.provenance import AuditProvenance
from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.db.provenance import publisher_history
from pycustoms.types import normalize_name
from pycustoms.upstream.client import UpstreamClient
from tests.fake_upstream import FakeUpstream
from tests.provenance.helpers import data, provenance

T0 = datetime(2024, 12, 5, tzinfo=UTC)
NAME = "circleci-sign-publish-example"
ATTESTED = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"


def _rules(up: FakeUpstream, db: Database, version: str, *, deep: bool, tmp: Path) -> set[str]:
    dep = Dependency(normalize_name(NAME), NAME, "requirements.txt", 1, version=version)
    with UpstreamClient(up.url) as client:
        checker = IndexChecker(
            client, Policy(), ReleasePolicy(), datetime(2025, 1, 1, tzinfo=UTC),
            provenance=AuditProvenance(db, ProvenancePolicy(), tmp, deep=deep),
        )  # fmt: skip
        outcome = checker.check(dep)
    return {f.rule for f in outcome.findings if f.rule.startswith("provenance/")}


def test_locked_release_without_provenance_after_attested_history(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.add_project(NAME, owners=["ci"])
    fake_upstream.add_file(NAME, "0.0.1.dev137", ATTESTED, data(ATTESTED), uploaded=T0,
                           provenance=provenance(ATTESTED))  # fmt: skip
    fake_upstream.add_release(NAME, "0.0.1.dev138", uploaded=T0, sdist=False)
    forged = fake_upstream.add_release(NAME, "0.0.1.dev139", uploaded=T0, sdist=False)[0]
    forged.provenance = provenance(ATTESTED)
    db = Database(f"sqlite:///{tmp_path / 'p.db'}").open()
    try:
        # Nothing known: the database alone cannot tell.
        assert _rules(fake_upstream, db, "0.0.1.dev138", deep=False, tmp=tmp_path) == set()
        # `deep` verifies the attested release and records its publisher...
        assert _rules(fake_upstream, db, "0.0.1.dev137", deep=True, tmp=tmp_path) == set()
        assert [r.version for r in publisher_history(db, NAME)] == ["0.0.1.dev137"]
        # ...after which the database alone holds the next release to it.
        rules = _rules(fake_upstream, db, "0.0.1.dev138", deep=False, tmp=tmp_path)
        assert rules == {"provenance/missing"}
        # A provenance of another file does not verify (only `deep` fetches it).
        assert _rules(fake_upstream, db, "0.0.1.dev139", deep=False, tmp=tmp_path) == set()
        rules = _rules(fake_upstream, db, "0.0.1.dev139", deep=True, tmp=tmp_path)
        assert rules == {"provenance/invalid"}
        assert [r.version for r in publisher_history(db, NAME)] == ["0.0.1.dev137"]
    finally:
        db.close()


def test_never_attested_project_has_no_provenance_finding(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    fake_upstream.add_release("plain", "1.0", uploaded=T0)
    db = Database(f"sqlite:///{tmp_path / 'p.db'}").open()
    try:
        dep = Dependency(normalize_name("plain"), "plain", "requirements.txt", 1, version="1.0")
        with UpstreamClient(fake_upstream.url) as client:
            checker = IndexChecker(
                client, Policy(), ReleasePolicy(), T0,
                provenance=AuditProvenance(db, ProvenancePolicy(), tmp_path, deep=True),
            )  # fmt: skip
            outcome = checker.check(dep)
        assert not [f for f in outcome.findings if f.rule.startswith("provenance/")]
    finally:
        db.close()
