"""The client against the fake upstream: both forms, cache, offline, retries, downloads."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pycustoms import __version__
from pycustoms.upstream.cache import HttpCache
from pycustoms.upstream.client import MIN_BYTES_PER_SECOND, ClientOptions, Pace, UpstreamClient
from pycustoms.upstream.errors import (
    HashMismatchError,
    NotFoundError,
    OfflineCacheMiss,
    UpstreamError,
)
from tests.fake_upstream import FakeUpstream

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def upstream(fake_upstream: FakeUpstream) -> FakeUpstream:
    fake_upstream.add_project("Demo-Pkg", owners=["alice"], urls={"Source": "https://x/y"})
    fake_upstream.add_release("Demo-Pkg", "1.0", uploaded=T0, attested_by="org/demo")
    fake_upstream.add_release("Demo-Pkg", "1.1", uploaded=T0.replace(month=3), yanked="bad")
    return fake_upstream


def _client(upstream: FakeUpstream, tmp_path: Path, **options: object) -> UpstreamClient:
    opts = ClientOptions(**{"retries": 2, **options})  # type: ignore[arg-type]
    return UpstreamClient(upstream.url, cache=HttpCache(tmp_path / "cache"), options=opts,
                          sleep=lambda _: None)  # fmt: skip


def test_json_and_html_give_the_same_files(upstream: FakeUpstream, tmp_path: Path) -> None:
    with _client(upstream, tmp_path) as client:
        as_json = client.project_page("demo_pkg")
        upstream.json_simple = False
        as_html = client.project_page("demo-pkg")
    assert as_json.source == "json"
    assert as_html.source == "html"
    assert [f.filename for f in as_json.files] == [f.filename for f in as_html.files]
    assert [f.sha256 for f in as_json.files] == [f.sha256 for f in as_html.files]
    assert [f.yanked for f in as_json.files] == [f.yanked for f in as_html.files]
    assert as_json.files[0].upload_time == T0
    assert as_json.files[0].provenance is not None
    assert as_html.files[0].upload_time is None
    headers = upstream.requests_to("/simple/demo-pkg/")[0][2]
    assert headers["user-agent"].startswith(f"pycustoms/{__version__}")


def test_etag_revalidation_and_offline(upstream: FakeUpstream, tmp_path: Path) -> None:
    with _client(upstream, tmp_path) as client:
        first = client.project_page("demo-pkg")
        again = client.project_page("demo-pkg")
    assert first == again
    second_request = upstream.requests_to("/simple/demo-pkg/")[1][2]
    assert "if-none-match" in second_request
    upstream.stop()
    with _client(upstream, tmp_path, offline=True) as offline:
        assert offline.project_page("demo-pkg") == first
        with pytest.raises(OfflineCacheMiss):
            offline.project_page("other")


def test_retries_then_gives_up(upstream: FakeUpstream, tmp_path: Path) -> None:
    slept: list[float] = []
    upstream.fail_next(503, 0)
    with UpstreamClient(upstream.url, options=ClientOptions(retries=2), sleep=slept.append) as c:
        assert c.project_page("demo-pkg").name == "demo-pkg"
        assert len(slept) == 2
        upstream.fail_next(503, 503, 503)
        with pytest.raises(UpstreamError, match="after 3 attempts"):
            c.project_page("demo-pkg")
        with pytest.raises(NotFoundError):
            c.project_page("nope")


def test_json_api_and_provenance(upstream: FakeUpstream, tmp_path: Path) -> None:
    with _client(upstream, tmp_path) as client:
        info = client.project_info("demo-pkg")
        page = client.project_page("demo-pkg")
        attested = client.provenance("demo-pkg", "1.0", page.files[0])
        plain = client.provenance("demo-pkg", "1.1", page.files[2])
        upstream.json_api = False
        assert client.project_info("demo-pkg") is None
    assert info is not None
    assert info.roles is not None
    assert [r.user for r in info.roles] == ["alice"]
    assert info.releases["1.0"][0].upload_time == T0
    assert attested is not None
    assert attested["attestation_bundles"]
    assert plain is None


def test_download_verifies_sha256(upstream: FakeUpstream, tmp_path: Path) -> None:
    with _client(upstream, tmp_path) as client:
        wheel = client.project_page("demo-pkg").files[0]
        path = client.download(wheel)
        assert path.read_bytes() == upstream.projects["demo-pkg"].releases["1.0"][0].data
        upstream.tamper(wheel.filename.replace("1.0", "1.1"), "0" * 64)
        swapped = next(f for f in client.project_page("demo-pkg").files if f.sha256 == "0" * 64)
        with pytest.raises(HashMismatchError, match="does not match"):
            client.download(swapped)
    assert not list((tmp_path / "cache" / "files").rglob("*.part"))


def test_file_index(tmp_path: Path) -> None:
    root = tmp_path / "simple" / "demo"
    root.mkdir(parents=True)
    (tmp_path / "files").mkdir()
    artefact = tmp_path / "files" / "demo-1.0.tar.gz"
    artefact.write_bytes(b"sdist")
    digest = "2e5a2d9b1d3d0b2f7e1f3d5b0b2c8e0c4f3c3e8e2f1d5b9a7c6e5d4c3b2a1f0e"
    (root / "index.html").write_text(
        f'<a href="../../files/demo-1.0.tar.gz#sha256={digest}">demo-1.0.tar.gz</a>'
    )
    with UpstreamClient((tmp_path / "simple").as_uri(), cache=HttpCache(tmp_path / "c")) as c:
        page = c.project_page("demo")
        assert page.source == "file"
        assert c.project_info("demo") is None
        with pytest.raises(HashMismatchError):
            c.download(page.files[0])
        with pytest.raises(NotFoundError):
            c.project_page("absent")


def test_fresh_cache_skips_the_index_and_parses_once(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    with _client(upstream, tmp_path, max_age=3600.0) as client:
        first = client.project_index("demo-pkg")
        asked = len(upstream.requests)
        assert client.project_index("demo-pkg") is first  # unchanged body: parse kept
        assert len(upstream.requests) == asked
        upstream.add_release("Demo-Pkg", "2.0", uploaded=T0.replace(month=6))
        assert client.project_page("demo-pkg") == first.page()  # still fresh
        refreshed = client.project_index("demo-pkg", refresh=True)
        assert len(upstream.requests) == asked + 1
    assert refreshed is not first
    assert len(refreshed) == len(first) + 2
    with _client(upstream, tmp_path) as strict:  # max_age 0: always revalidate
        strict.project_info("demo-pkg")
        strict.project_info("demo-pkg")
    assert len(upstream.requests_to("/pypi/demo-pkg/json")) == 2


def test_pace_cuts_a_trickle_but_not_a_body_that_keeps_up() -> None:
    keeping_up = Pace(0.05)
    for _ in range(3):
        time.sleep(0.06)
        keeping_up.add(10 * MIN_BYTES_PER_SECOND)  # ten seconds' worth every 0.06 s
    trickle = Pace(0.05)
    trickle.add(1)
    time.sleep(0.06)
    with pytest.raises(httpx.ReadTimeout, match="slower than"):
        trickle.add(1)
