from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.db import Database
from pycustoms.vulns.interface import Query
from pycustoms.vulns.match import OsvRecord, affects, cvss_score, merge, parse_osv, to_advisory
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.osv_import import import_osv

DATA = Path(__file__).parent.parent / "audit" / "data" / "osv"


def _record(events: list[dict[str, str]], versions: tuple[str, ...] = ()) -> OsvRecord:
    return OsvRecord("X-1", "demo", (), "", ({"type": "ECOSYSTEM", "events": events},), versions)


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9", False), ("1.0", True), ("1.1.5", True), ("1.2", False), ("2.0", True), ("2.1", False)],
)
def test_ranges(version: str, expected: bool) -> None:
    events = [
        {"introduced": "1.0"},
        {"fixed": "1.2"},
        {"introduced": "2.0"},
        {"last_affected": "2.0.5"},
    ]
    assert affects(_record(events), version) is expected


def test_explicit_versions_and_withdrawn() -> None:
    assert affects(_record([], ("1.0",)), "1.0.0")
    [withdrawn] = parse_osv(
        {
            "id": "P-1",
            "withdrawn": "2025",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}],
        }
    )
    assert not affects(withdrawn, "1.0")


def test_cvss_v4_is_scored_rather_than_reported_medium() -> None:
    """Before: only v3 vectors were scored; a v4 vector fell through to `medium`/`unknown`."""
    critical = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    low = "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
    assert cvss_score(critical) == 9.3
    assert cvss_score(low) == 1.0
    for vector, label, score in ((critical, "critical", "CVSS 9.3"), (low, "low", "CVSS 1.0")):
        record = OsvRecord(
            "GHSA-4", "d", (), "s", (), (), severity=({"type": "CVSS_V4", "score": vector},)
        )
        advisory = to_advisory(record)
        assert (advisory.severity_label, advisory.score) == (label, score)


def test_a_malformed_or_v2_vector_leaves_the_rating_to_the_database() -> None:
    assert cvss_score("CVSS:3.1/AV:N") is None
    assert cvss_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") is None
    record = OsvRecord(
        "GHSA-5", "d", (), "s", (), (), severity=({"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"},)
    )
    assert to_advisory(record).severity_label == "unknown"


def test_cvss_and_merge() -> None:
    assert cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8
    assert cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1
    a = to_advisory(OsvRecord("PYSEC-1", "d", ("CVE-1",), "s", (), ()))
    b = to_advisory(OsvRecord("GHSA-1", "d", ("CVE-1",), "s", (), (), db_severity="HIGH"))
    [merged] = merge([a, b])
    assert merged.id == "PYSEC-1"
    assert set(merged.aliases) == {"CVE-1", "GHSA-1"}
    assert merged.severity_label == "high"


def test_offline_import_and_query(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    source = OfflineSource(db)
    empty = source.query([Query("demo", "1.0")])
    assert Query("demo", "1.0") in empty.failed  # never imported: fail closed
    summary = import_osv(db, DATA)
    assert summary.errors == ()
    again = import_osv(db, DATA)  # idempotent
    assert again.records == summary.records
    answer = source.query([Query("demo", "1.1"), Query("demo", "1.2"), Query("evil-pkg", "0.1")])
    assert {r.id for r in answer.found[Query("demo", "1.1")]} == {
        "PYSEC-2099-1",
        "GHSA-aaaa-bbbb-cccc",
    }
    assert to_advisory(answer.found[Query("evil-pkg", "0.1")][0]).malicious
    # Imported records are reported, but an import never vouches for what it lacks:
    # no release counts as checked, and one without a record is not called clean.
    assert set(answer.failed) == {
        Query("demo", "1.1"),
        Query("demo", "1.2"),
        Query("evil-pkg", "0.1"),
    }
    assert Query("demo", "1.2") not in answer.found
    assert "partial coverage" in answer.failed[Query("demo", "1.2")]
    db.close()
