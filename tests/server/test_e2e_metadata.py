"""The PEP 658 metadata file the firewall serves is the wheel's own METADATA, or none.

The fake upstream publishes a `.metadata` sidecar that differs from the wheel
(no `Requires-Python`, no `Requires-Dist`), as a careless or hostile index
can. pip 26 refuses such a file outright, and a resolver would trust the
sidecar's dependencies rather than the wheel's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
METADATA = (
    b"Metadata-Version: 2.1\nName: sidecarpkg\nVersion: 1.0\n"
    b"Requires-Python: >=3.8\nRequires-Dist: depofwheel\n"
)


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path / "up")
    wheel = build_wheel(
        tmp_path,
        "sidecarpkg",
        "1.0",
        {"sidecarpkg/__init__.py": "X = 1\n"},
        metadata_extra="Requires-Python: >=3.8\nRequires-Dist: depofwheel\n",
    )
    fake.add_file("sidecarpkg", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    fake.add_release("depofwheel", "1.0", uploaded=OLD, sdist=False)
    fake.start()
    yield fake
    fake.stop()


def _wheel_entry(server: ServerProcess) -> dict[str, object]:
    files = httpx.get(server.index + "sidecarpkg/", headers=JSON).json()["files"]
    assert len(files) == 1
    entry: dict[str, object] = files[0]
    return entry


def test_metadata_served_is_the_wheels_own(upstream: FakeUpstream, tmp_path: Path) -> None:
    # The upstream really does advertise a sidecar that disagrees with the wheel.
    upstream_page = httpx.get(upstream.url + "sidecarpkg/", headers=JSON).json()
    advertised = upstream_page["files"][0]["core-metadata"]["sha256"]
    assert advertised != hashlib.sha256(METADATA).hexdigest()

    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        # Before the wheel is scanned, a metadata file is offered without a hash (read from
        # the wheel on request, `serve.early-metadata`): never the upstream's sidecar hash.
        before = _wheel_entry(server)
        assert before["core-metadata"] is True
        assert before["dist-info-metadata"] is True
        url = str(httpx.URL(server.index + "sidecarpkg/").join(str(before["url"])))
        # Asked for, the firewall fetches the wheel and serves its own METADATA.
        served = httpx.get(url + ".metadata", timeout=60)
        assert served.status_code == 200, served.text
        assert served.content == METADATA
        # The page now promises exactly that file.
        assert eventually(
            lambda: (
                _wheel_entry(server).get("core-metadata")
                == {"sha256": hashlib.sha256(METADATA).hexdigest()}
            )
        )
        html = httpx.get(server.index + "sidecarpkg/").text
        assert f'data-core-metadata="sha256={hashlib.sha256(METADATA).hexdigest()}"' in html
        # The upstream's sidecar was never fetched.
        assert not [r for r in upstream.requests_to("/files/") if r[1].endswith(".metadata")]
        # pip resolves with the wheel's own dependencies and installs both.
        done = pip_install(server.index, tmp_path / "target", "sidecarpkg")
        assert done.returncode == 0, done.stdout + done.stderr + server.output()
        names = {p.name for p in (tmp_path / "target").glob("*.dist-info")}
        assert names == {"sidecarpkg-1.0.dist-info", "depofwheel-1.0.dist-info"}
    finally:
        server.stop()


def test_an_sdist_has_no_metadata_file(upstream: FakeUpstream, tmp_path: Path) -> None:
    upstream.add_release("sdistonly", "1.0", uploaded=OLD, wheel=False)
    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        files = httpx.get(server.index + "sdistonly/", headers=JSON).json()["files"]
        url = str(httpx.URL(server.index + "sdistonly/").join(files[0]["url"]))
        assert "core-metadata" not in files[0]
        assert httpx.get(url + ".metadata", timeout=60).status_code == 404
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["upstream", "always"])
def test_metadata_is_advertised_where_the_upstream_does_unless_always(
    mode: str, tmp_path: Path
) -> None:
    # An upstream (a plain mirror) that advertises no metadata file: by default the page
    # offers none either, so pip makes the requests it makes there (one per file).
    fake = FakeUpstream(tmp_path / "up")
    wheel = build_wheel(tmp_path, "plainpkg", "1.0", {"plainpkg/__init__.py": "X = 1\n"})
    item = fake.add_file("plainpkg", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    item.metadata = None
    fake.start()
    env = {"PYCUSTOMS_SERVE_PRESCAN": "0", "PYCUSTOMS_SERVE_CORE_METADATA": mode}
    server = ServerProcess(fake.url, tmp_path / "data", env=env)
    try:
        done = pip_install(server.index, tmp_path / "target", "plainpkg")
        assert done.returncode == 0, done.stdout + done.stderr + server.output()
        files = httpx.get(server.index + "plainpkg/", headers=JSON).json()["files"]
        if mode == "always":
            assert eventually(
                lambda: (
                    "core-metadata"
                    in httpx.get(server.index + "plainpkg/", headers=JSON).json()["files"][0]
                )
            )
        else:
            # Scanned (pip installed it), and still no metadata file promised.
            assert "core-metadata" not in files[0]
            assert "data-core-metadata" not in httpx.get(server.index + "plainpkg/").text
    finally:
        server.stop()
        fake.stop()
