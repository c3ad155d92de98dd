"""The `osv` source against a fake OSV API and the `pypi` source against the fake index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pycustoms.vulns.interface import Query
from pycustoms.vulns.osv import OsvSource
from pycustoms.vulns.pypi import PypiSource
from tests.audit.fake_osv import FakeOsv
from tests.fake_upstream import FakeUpstream

OLD = datetime.now(UTC) - timedelta(days=400)


def _osv(ident: str, name: str, fixed: str, aliases: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": ident,
        "aliases": aliases or [],
        "summary": f"{ident} summary",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


RECORDS = {
    "PYSEC-1": _osv("PYSEC-1", "demo", "1.2", ["GHSA-1"]),
    "GHSA-1": _osv("GHSA-1", "demo", "1.2", ["PYSEC-1"]),
    "PYSEC-9": _osv("PYSEC-9", "demo", "1.0"),  # the API says so, but 1.1 is not in range
}
DEMO = Query("demo", "1.1")
SAFE = Query("safe", "2.0")


def test_osv_batch_pages_and_records() -> None:
    with FakeOsv({("demo", "1.1"): ["PYSEC-1", "GHSA-1", "PYSEC-9"]}, RECORDS) as api:
        source = OsvSource(api.url)
        try:
            answer = source.query([DEMO, SAFE])
        finally:
            source.close()
    assert answer.failed == {}
    assert sorted(r.id for r in answer.found[DEMO]) == ["GHSA-1", "PYSEC-1"]
    assert answer.found[SAFE] == []
    batches = [body for method, path, body in api.requests if method == "POST"]
    assert len(batches) == 3  # one page per advisory of demo
    assert batches[1]["queries"] == [
        {"package": {"name": "demo", "ecosystem": "PyPI"}, "version": "1.1", "page_token": "1"}
    ]
    fetched = sorted(path for method, path, _ in api.requests if method == "GET")
    assert fetched == ["/v1/vulns/GHSA-1", "/v1/vulns/PYSEC-1", "/v1/vulns/PYSEC-9"]


def test_osv_malformed_page_fails_the_batch() -> None:
    with FakeOsv({("demo", "1.1"): ["PYSEC-1", "GHSA-1"]}, RECORDS) as api:
        api.broken_pages = True
        source = OsvSource(api.url)
        try:
            answer = source.query([DEMO, SAFE])
        finally:
            source.close()
    assert answer.found == {}
    assert set(answer.failed) == {DEMO, SAFE}
    assert "could not complete" in answer.failed[DEMO]
    assert "page 2" in answer.failed[DEMO]


def test_osv_missing_record_fails_that_query_only() -> None:
    with FakeOsv({("demo", "1.1"): ["PYSEC-404"]}, RECORDS) as api:
        source = OsvSource(api.url)
        try:
            answer = source.query([DEMO, SAFE])
        finally:
            source.close()
    assert set(answer.failed) == {DEMO}
    assert answer.found[SAFE] == []


def test_pypi_source_per_version_route(fake_upstream: FakeUpstream) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_release("demo", "1.2", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability(
        "demo",
        "1.1",
        {"id": "PYSEC-1", "aliases": ["CVE-2099-1"], "fixed_in": ["1.2"], "summary": "bad"},
    )
    fake_upstream.add_vulnerability(
        "demo", "1.1", {"id": "PYSEC-2", "fixed_in": [], "withdrawn": "2025-01-01"}
    )
    source = PypiSource(fake_upstream.url)
    try:
        answer = source.query([DEMO, Query("demo", "1.2"), Query("demo", "9.9")])
    finally:
        source.close()
    [record] = answer.found[DEMO]
    assert record.id == "PYSEC-1"
    assert record.aliases == ("CVE-2099-1",)
    assert answer.found[Query("demo", "1.2")] == []
    assert "no JSON API entry" in answer.failed[Query("demo", "9.9")]
    assert fake_upstream.requests_to("/pypi/demo/1.1/json")


def test_pypi_source_without_json_api(fake_upstream: FakeUpstream) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.json_api = False
    source = PypiSource(fake_upstream.url)
    try:
        answer = source.query([DEMO])
    finally:
        source.close()
    assert DEMO in answer.failed
