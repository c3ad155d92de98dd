"""The `pypi` source on indexes that serve only project documents, and on busy ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pycustoms.vulns.interface import Query
from pycustoms.vulns.pypi import PypiSource
from tests.fake_upstream import FakeUpstream
from tests.vulns.helpers import ProjectDocumentOnly

OLD = datetime.now(UTC) - timedelta(days=400)


def test_project_document_answers_for_the_latest_release_only(tmp_path: Path) -> None:
    upstream = ProjectDocumentOnly(tmp_path / "index")
    upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    upstream.add_release("demo", "1.2", uploaded=OLD, sdist=False)
    upstream.project("demo").vulnerabilities = [{"id": "PYSEC-5", "fixed_in": ["1.3"]}]
    upstream.start()
    source = PypiSource(upstream.url)
    try:
        answer = source.query([Query("demo", "1.2"), Query("demo", "1.1"), Query("nope", "1")])
    finally:
        source.close()
        upstream.stop()
    [record] = answer.found[Query("demo", "1.2")]
    assert (record.id, record.versions) == ("PYSEC-5", ("1.2",))
    # The project document's advisories are its latest release's: never another's.
    assert Query("demo", "1.1") not in answer.found
    assert "only for the latest release, 1.2" in answer.failed[Query("demo", "1.1")]
    assert "no JSON API entry for nope 1" in answer.failed[Query("nope", "1")]


def test_busy_answers_are_tried_again(fake_upstream: FakeUpstream) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-6", "fixed_in": []})
    fake_upstream.fail_next(503, 0)
    source = PypiSource(fake_upstream.url, backoff=0.01)
    try:
        answer = source.query([Query("demo", "1.1")])
    finally:
        source.close()
    assert [r.id for r in answer.found[Query("demo", "1.1")]] == ["PYSEC-6"]
    assert len(fake_upstream.requests_to("/pypi/demo/1.1/json")) == 3


def test_the_retries_setting_is_honoured(fake_upstream: FakeUpstream) -> None:
    """Before: the JSON API source tried a fixed three times whatever `upstream.retries` said."""
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.fail_next(503, 503, 503, 503, 503)
    source = PypiSource(fake_upstream.url, backoff=0.01, retries=4)
    try:
        answer = source.query([Query("demo", "1.1")])
    finally:
        source.close()
    assert len(fake_upstream.requests_to("/pypi/demo/1.1/json")) == 5
    assert "503" in answer.failed[Query("demo", "1.1")]
