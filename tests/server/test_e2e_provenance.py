"""Publisher continuity under a running server, with real published provenance.

The attested release is a real wheel with the provenance its publisher made
(CircleCI, production Sigstore); the newer releases are built here, without
provenance or with a provenance of another file, as a stolen token would push.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeFile, FakeUpstream
from tests.provenance.helpers import data, provenance
from tests.server.serverproc import ServerProcess, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
NAME = "circleci-sign-publish-example"
ATTESTED = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"
ENV = {"PYCUSTOMS_SERVE_PRESCAN": "0"}


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path / "up")
    fake.add_project(NAME, owners=["ci"])
    fake.add_file(NAME, "0.0.1.dev137", ATTESTED, data(ATTESTED), uploaded=OLD,
                  provenance=provenance(ATTESTED))  # fmt: skip
    for version in ("1.0", "1.1"):
        fake.add_release("plainpkg", version, uploaded=OLD, sdist=False)
    fake.start()
    yield fake
    fake.stop()


def _pip(
    server: ServerProcess, target: Path, *requirements: str
) -> subprocess.CompletedProcess[str]:
    return pip_install(server.index, target, "--pre", "--no-deps", *requirements)


def _page(server: ServerProcess, name: str) -> dict[str, object]:
    page: dict[str, object] = httpx.get(server.index + f"{name}/", headers=JSON).json()
    return page


def _file_url(server: ServerProcess, name: str, filename: str, page: dict[str, object]) -> str:
    files = page["files"]
    assert isinstance(files, list)
    entry = next(f for f in files if f["filename"] == filename)
    return str(httpx.URL(server.index + f"{name}/").join(entry["url"]))


def _unattested_release(upstream: FakeUpstream, version: str) -> FakeFile:
    return upstream.add_release(NAME, version, uploaded=OLD, sdist=False)[0]


def test_unattested_release_after_attested_history_is_hidden(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(upstream.url, data_dir, env=ENV)
    try:
        # The firewall serves the attested release: its publisher joins the history.
        done = _pip(server, tmp_path / "t1", NAME)
        assert done.returncode == 0, done.stdout + done.stderr + server.output()
        assert {p.name for p in (tmp_path / "t1").glob("*.dist-info")} == {
            "circleci_sign_publish_example-0.0.1.dev137.dist-info"
        }
        # Before the stolen-token release, its file is listed: the page keeps its cached key.
        before = _page(server, NAME)
        assert before["versions"] == ["0.0.1.dev137"]
    finally:
        server.stop()
    stolen = _unattested_release(upstream, "0.0.1.dev138")
    config = tmp_path / "pycustoms.toml"
    config.write_text("")
    server = ServerProcess(upstream.url, data_dir, env=ENV, config=config)
    try:
        page = _page(server, NAME)
        assert page["versions"] == ["0.0.1.dev137"]
        done = _pip(server, tmp_path / "t2", NAME)
        assert done.returncode == 0, done.stdout + done.stderr + server.output()
        assert {p.name for p in (tmp_path / "t2").glob("*.dist-info")} == {
            "circleci_sign_publish_example-0.0.1.dev137.dist-info"
        }
        direct = f"{server.url}/files/{NAME}/{stolen.sha256}/{stolen.filename}"
        refused = httpx.get(direct)
        assert refused.status_code == 403, refused.text
        assert refused.json()["rule"] == "provenance/missing"
        assert "provenance/missing" in refused.reason_phrase
        # A never-attested project installs as usual.
        done = _pip(server, tmp_path / "t3", "plainpkg")
        assert done.returncode == 0, done.stdout + done.stderr
        assert {p.name for p in (tmp_path / "t3").glob("*.dist-info")} == {"plainpkg-1.1.dist-info"}
        # Approving the release (configuration reload) lets it through.
        config.write_text(f'provenance-approved = ["{NAME}==0.0.1.dev138"]\n')
        assert eventually(lambda: _page(server, NAME)["versions"] == ["0.0.1.dev137",
                                                                       "0.0.1.dev138"])  # fmt: skip
        assert httpx.get(direct).status_code == 200
    finally:
        server.stop()


def test_fresh_firewall_learns_the_history_before_serving_and_refuses_bad_provenance(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    stolen = _unattested_release(upstream, "0.0.1.dev138")
    forged = upstream.add_release(NAME, "0.0.1.dev139", uploaded=OLD, sdist=False)[0]
    # The real provenance of another file: it verifies, and names another digest.
    forged.provenance = provenance(ATTESTED)
    server = ServerProcess(upstream.url, tmp_path / "data", env=ENV)
    try:
        page = _page(server, NAME)
        # Nothing is known yet: the page cannot tell (no network on the page path).
        assert page["versions"] == ["0.0.1.dev137", "0.0.1.dev138", "0.0.1.dev139"]
        bad = _file_url(server, NAME, forged.filename, page)
        refused = httpx.get(bad)
        assert refused.status_code == 403, refused.text
        assert refused.json()["rule"] == "provenance/invalid"
        # The first download seeded the history from dev137: dev138 is now missing provenance.
        missing = httpx.get(_file_url(server, NAME, stolen.filename, page))
        assert missing.status_code == 403
        assert missing.json()["rule"] == "provenance/missing"
        assert _page(server, NAME)["versions"] == ["0.0.1.dev137"]
        assert httpx.get(_file_url(server, NAME, ATTESTED, page)).status_code == 200
    finally:
        server.stop()
