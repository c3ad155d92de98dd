"""The incident query on a small hand-built database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.db import Database
from pycustoms.db.console import ReportedDistRow
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.errors import UsageError
from pycustoms.incident.formats import to_dict, to_markdown
from pycustoms.incident.model import parse_spec
from pycustoms.incident.query import incident_report
from pycustoms.types import Finding, Severity

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WHEEL, SDIST = "a" * 64, "b" * 64


@pytest.fixture
def db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    events = [
        # (hours after T0, environment, installer, version, sha256)
        (0, "build-1", "pip", "2.0", WHEEL),
        (5, "build-1", "uv", "2.0", WHEEL),
        (9, "build-1", "pip", "2.0", SDIST),
        (1, "build-2", "pip", "2.0", WHEEL),
        (2, "build-3", "pip", "1.0", "c" * 64),
        (48, "build-4", None, "2.0", WHEEL),
    ]
    with db.session() as session, session.begin():
        for hours, env, installer, version, sha in events:
            session.add(
                InstallEventRow(
                    at=T0 + timedelta(hours=hours), environment=env, client="127.0.0.1",
                    installer=installer, installer_version=None, project="goodpkg",
                    version=version, filename=f"goodpkg-{version}.whl", sha256=sha,
                )
            )  # fmt: skip
        session.add(
            InstallEventRow(
                at=T0, environment="build-1", client=None, installer="pip",
                installer_version=None, project="other", version="2.0",
                filename="other-2.0.whl", sha256="d" * 64,
            )
        )  # fmt: skip
        session.add(
            ScanVerdictRow(
                sha256=WHEEL, filename="goodpkg-2.0-py3-none-any.whl", decision="allow",
                score=20, reasons=[], rules=["code/environment-dump"], error=None,
                scanned_at=T0,
            )
        )  # fmt: skip
        session.add(
            ReportedDistRow(
                environment="laptop-7", project="goodpkg", version="2.0",
                files=[{"path": "goodpkg/__init__.py", "sha256": "e" * 64}],
                reported_at=T0 + timedelta(days=1), reporter="ci",
            )
        )  # fmt: skip
    return db


def test_release_hits_fold_events_per_environment(db: Database) -> None:
    report = incident_report(db, [parse_spec("GoodPkg==2.0")])
    hits = {(h.environment, h.source): h for h in report.environments}
    assert set(hits) == {
        ("build-1", "index"), ("build-2", "index"), ("build-4", "index"),
        ("laptop-7", "reported"),
    }  # fmt: skip
    one = hits[("build-1", "index")]
    assert (one.count, one.first, one.last) == (3, T0, T0 + timedelta(hours=9))
    assert one.sha256 == (WHEEL, SDIST)
    assert one.installers == ("pip", "uv")
    assert hits[("build-4", "index")].installers == ()
    assert hits[("laptop-7", "reported")].sha256 == ("e" * 64,)
    assert report.environment_names == ("build-1", "build-2", "build-4", "laptop-7")
    # First install order within the release.
    assert [h.environment for h in report.environments][:2] == ["build-1", "build-2"]


def test_release_facts_feed_the_checklist(db: Database) -> None:
    report = incident_report(db, [parse_spec("goodpkg==2.0")])
    (facts,) = report.releases
    assert facts.files == (("goodpkg-2.0-py3-none-any.whl", WHEEL),)
    assert facts.rules == ("code/environment-dump",)
    assert [c.rules for c in report.checklist] == [("code/environment-dump",)]
    doc = to_dict(report)
    assert doc["environment_count"] == 4
    assert "| build-1 | goodpkg==2.0 |" in to_markdown(report)


def test_project_spec_and_time_window(db: Database) -> None:
    report = incident_report(db, [parse_spec("goodpkg")])
    assert {(h.environment, h.version) for h in report.environments if h.source == "index"} == {
        ("build-1", "2.0"), ("build-2", "2.0"), ("build-3", "1.0"), ("build-4", "2.0"),
    }  # fmt: skip
    window = parse_spec(
        "goodpkg==2.0", since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=6)
    )
    hits = incident_report(db, [window]).environments
    assert {(h.environment, h.count) for h in hits} == {("build-1", 1), ("build-2", 1)}


def test_findings_add_destinations_and_notes(db: Database) -> None:
    def findings_of(sha: str, filename: str) -> list[Finding] | None:
        del filename
        if sha != WHEEL:
            return None
        return [Finding("code/exfiltration", Severity.HIGH, "posts to https://x.example.net/c")]

    report = incident_report(db, [parse_spec("goodpkg==2.0")], findings_of)
    assert report.destinations == ("x.example.net",)
    assert any(c.action.startswith("Block egress to x.example.net") for c in report.checklist)
    assert report.notes == ()


def test_nothing_installed_is_an_empty_report(db: Database) -> None:
    report = incident_report(db, [parse_spec("goodpkg==9.9")])
    assert report.environments == ()
    assert report.checklist == ()
    assert [r.version for r in report.releases] == ["9.9"]


@pytest.mark.parametrize("text", ["", "goodpkg==", "not a name!"])
def test_bad_specs_say_which_forms_work(text: str) -> None:
    with pytest.raises(UsageError, match="NAME==VERSION or NAME"):
        parse_spec(text)
