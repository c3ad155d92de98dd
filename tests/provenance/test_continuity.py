"""Publisher continuity rules, settings and the database history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pycustoms.analyzers.provenance import (
    FileProvenance,
    Mode,
    ProvenancePolicy,
    Publisher,
    PublisherRecord,
    Status,
    analyze_continuity,
    load_provenance_policy,
)
from pycustoms.db import Database
from pycustoms.db.provenance import publisher_history, record_provenance
from pycustoms.errors import ConfigError
from pycustoms.provenance_pipeline import continuity_findings
from pycustoms.rules import catalogue
from pycustoms.types import Severity

NOW = datetime(2024, 12, 7, tzinfo=UTC)
REPO = Publisher("GitHub", "ultralytics/ultralytics", "publish.yml")
OTHER = Publisher("GitHub", "attacker/ultralytics", "publish.yml")
HISTORY = [
    PublisherRecord("8.3.40", frozenset({REPO})),
    PublisherRecord("8.3.44", frozenset({REPO})),
]


def _file(status: Status, publisher: Publisher | None = None) -> FileProvenance:
    return FileProvenance("u-8.3.45.tar.gz", "ab" * 32, status, publisher, "r")


def _rules(files: list[FileProvenance], history: list[PublisherRecord],
           policy: ProvenancePolicy | None = None) -> set[str]:  # fmt: skip
    found = analyze_continuity("ultralytics", "8.3.45", files, history,
                               policy or ProvenancePolicy())  # fmt: skip
    return {f.rule for f in found if f.severity is Severity.CRITICAL}


def test_unattested_release_after_attested_history_is_missing() -> None:
    assert _rules([_file(Status.ABSENT)], HISTORY) == {"provenance/missing"}


def test_other_repository_is_publisher_changed() -> None:
    assert _rules([_file(Status.VERIFIED, OTHER)], HISTORY) == {"provenance/publisher-changed"}


def test_same_publisher_and_never_attested_pass() -> None:
    assert _rules([_file(Status.VERIFIED, REPO)], HISTORY) == set()
    never = [PublisherRecord("1.0", frozenset())]
    assert _rules([_file(Status.ABSENT)], never) == set()
    assert _rules([_file(Status.ABSENT)], []) == set()


def test_invalid_required_off_and_approved() -> None:
    assert _rules([_file(Status.INVALID)], []) == {"provenance/invalid"}
    required = ProvenancePolicy(required=frozenset({"ultralytics"}))
    assert _rules([_file(Status.ABSENT)], [], required) == {"provenance/required-missing"}
    assert _rules([_file(Status.ABSENT)], HISTORY, ProvenancePolicy(Mode.OFF)) == set()
    approved = ProvenancePolicy(approved=frozenset({("ultralytics", "8.3.45")}))
    assert _rules([_file(Status.ABSENT)], HISTORY, approved) == set()


def test_settings_from_file_and_environment() -> None:
    raw = {"provenance": "required", "provenance-approved": ["Ultra_Lytics==8.3.45"]}
    policy = load_provenance_policy(raw, {"PYCUSTOMS_PROVENANCE_REQUIRED": "numpy"})
    assert policy.mode is Mode.REQUIRED
    assert policy.requires("anything")
    assert policy.approves("ultra-lytics", "8.3.45")
    assert policy.required == frozenset({"numpy"})
    with pytest.raises(ConfigError, match="continuity, required, off"):
        load_provenance_policy({"provenance": "maybe"}, {})
    with pytest.raises(ConfigError, match="name==version"):
        load_provenance_policy({"provenance-approved": ["x"]}, {})


def test_rules_are_declared() -> None:
    assert {"provenance/missing", "provenance/publisher-changed", "provenance/invalid",
            "provenance/required-missing"} <= set(catalogue())  # fmt: skip


def test_database_remembers_publishers_and_refuses_breaks(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}").open()
    try:
        good = FileProvenance("u-8.3.44.tar.gz", "cd" * 32, Status.VERIFIED, REPO)
        assert record_provenance(db, "Ultralytics", "8.3.44", [good], NOW) == 1
        assert record_provenance(db, "ultralytics", "8.3.44", [good], NOW) == 1  # update
        unchecked = FileProvenance("u-8.3.43.tar.gz", None, Status.UNCHECKED)
        assert record_provenance(db, "ultralytics", "8.3.43", [unchecked], NOW) == 0
        assert publisher_history(db, "ultralytics") == [
            PublisherRecord("8.3.44", frozenset({REPO}))
        ]
        policy = ProvenancePolicy()
        found = continuity_findings("ultralytics", "8.3.45", [_file(Status.ABSENT)], db, policy,
                                    now=NOW)  # fmt: skip
        assert [f.rule for f in found] == ["provenance/missing"]
        # The break is not recorded: the next release is still held to 8.3.44.
        assert [r.version for r in publisher_history(db, "ultralytics")] == ["8.3.44"]
        ok = [_file(Status.VERIFIED, REPO)]
        assert continuity_findings("ultralytics", "8.3.45", ok, db, policy, now=NOW) == []
        assert [r.version for r in publisher_history(db, "ultralytics")] == ["8.3.44", "8.3.45"]
    finally:
        db.close()
