"""PEP 658 metadata of a wheel before its verdict (`serve.early-metadata`), never its bytes.

A cold page offers a metadata file for every wheel not scanned yet, so that an
installer resolves from metadata while the scans run instead of downloading one
wheel after another. The metadata is read from the fetched, hash-checked wheel
and given only when it is plain metadata of that file; the wheel itself still
waits for its scan, and a blocked wheel is refused whatever its metadata said.
Once a wheel is scanned its page follows `serve.core-metadata` again (here: the
upstream advertises none, so neither does the page, as a plain mirror would).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import ServerProcess, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
NEEDS = "Requires-Dist: depofwheel>=1.0\n"
URL_DEPENDENCY = "Requires-Dist: helper @ https://198.51.100.7/helper-1.0-py3-none-any.whl\n"


def _payload() -> dict[str, str | bytes]:
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    return dict(sample.files)


def _add_wheel(
    fake: FakeUpstream, tmp_path: Path, name: str, files: dict[str, str | bytes], extra: str = ""
) -> bytes:
    """Publish a wheel with no upstream metadata file; return the wheel's own METADATA."""
    out = tmp_path / name
    out.mkdir()
    wheel = build_wheel(out, name, "1.0", files, metadata_extra=extra)
    item = fake.add_file(name, "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    item.metadata = None  # a plain mirror: no sidecar
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{extra}".encode()


def _entry(server: ServerProcess, name: str) -> dict[str, object]:
    files = httpx.get(server.index + f"{name}/", headers=JSON).json()["files"]
    assert len(files) == 1
    entry: dict[str, object] = files[0]
    return entry


def _url(server: ServerProcess, name: str, entry: dict[str, object]) -> str:
    return str(httpx.URL(server.index + f"{name}/").join(str(entry["url"])))


def _server(upstream: FakeUpstream, tmp_path: Path, **env: str) -> ServerProcess:
    # No pre-scan: nothing is fetched before a client asks, so "before the verdict" is real.
    return ServerProcess(
        upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0", **env}
    )


# Wheels are scanned while they download, or (no stream worker free) once downloaded.
STREAMS = {"streamed": "2", "fetched-first": "0"}


@pytest.mark.parametrize("streams", list(STREAMS), ids=list(STREAMS))
def test_a_cold_wheel_offers_its_metadata_and_pip_resolves_from_it(
    streams: str, fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    metadata = _add_wheel(
        fake_upstream, tmp_path, "coldpkg", {"coldpkg/__init__.py": "X = 1\n"}, NEEDS
    )
    _add_wheel(fake_upstream, tmp_path, "depofwheel", {"depofwheel/__init__.py": "Y = 2\n"})
    server = _server(fake_upstream, tmp_path, PYCUSTOMS_SERVE_STREAM_SCANS=STREAMS[streams])
    try:
        entry = _entry(server, "coldpkg")
        assert entry["core-metadata"] is True  # offered, with no hash: not read yet
        html = httpx.get(server.index + "coldpkg/").text
        assert 'data-core-metadata="true"' in html
        served = httpx.get(_url(server, "coldpkg", entry) + ".metadata", timeout=60)
        assert served.status_code == 200, served.text
        assert served.content == metadata  # the wheel's own METADATA, byte for byte
        assert served.headers["cache-control"] == "no-store"  # given before the verdict
        # pip resolves from the metadata, then downloads both wheels (each after its scan).
        done = pip_install(server.index, tmp_path / "target", "coldpkg")
        assert done.returncode == 0, done.stdout + done.stderr + server.output()
        names = {p.name for p in (tmp_path / "target").glob("*.dist-info")}
        assert names == {"coldpkg-1.0.dist-info", "depofwheel-1.0.dist-info"}
        # Scanned now: the page offers what the upstream offers (nothing), as a mirror would.
        assert eventually(lambda: "core-metadata" not in _entry(server, "coldpkg"))
        assert "data-core-metadata" not in httpx.get(server.index + "coldpkg/").text
    finally:
        server.stop()


def test_a_blocked_wheel_gave_metadata_but_never_a_byte(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    metadata = _add_wheel(fake_upstream, tmp_path, "earlyevil", _payload())
    server = _server(fake_upstream, tmp_path)
    try:
        entry = _entry(server, "earlyevil")
        url = _url(server, "earlyevil", entry)
        served = httpx.get(url + ".metadata", timeout=60)
        assert served.status_code == 200, served.text
        assert served.content == metadata
        refused = httpx.get(url, timeout=60)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "policy/scan-blocked"
        assert not refused.content.startswith(b"PK")
        # After the verdict the metadata file is refused too.
        assert httpx.get(url + ".metadata", timeout=60).status_code == 403
        done = pip_install(server.index, tmp_path / "target", "earlyevil")
        assert done.returncode != 0
        assert not (tmp_path / "target").exists() or not list((tmp_path / "target").iterdir())
    finally:
        server.stop()


def test_metadata_that_names_a_url_waits_for_the_scan(
    fake_upstream: FakeUpstream, tmp_path: Path
) -> None:
    # An installer would fetch a URL dependency from there, past the firewall: such
    # metadata is not given before the verdict, and this wheel's verdict is a block.
    _add_wheel(fake_upstream, tmp_path, "urlevil", _payload(), URL_DEPENDENCY)
    benign = _add_wheel(
        fake_upstream, tmp_path, "urlplain", {"urlplain/a.py": "A = 1\n"}, URL_DEPENDENCY
    )
    server = _server(fake_upstream, tmp_path)
    try:
        evil = _entry(server, "urlevil")
        assert httpx.get(_url(server, "urlevil", evil) + ".metadata", timeout=60).status_code == 403
        plain = _entry(server, "urlplain")
        served = httpx.get(_url(server, "urlplain", plain) + ".metadata", timeout=60)
        assert served.status_code == 200
        assert served.content == benign
        assert "cache-control" not in served.headers  # served from the scanned wheel
    finally:
        server.stop()


def test_early_metadata_can_be_turned_off(fake_upstream: FakeUpstream, tmp_path: Path) -> None:
    _add_wheel(fake_upstream, tmp_path, "offpkg", {"offpkg/__init__.py": "X = 1\n"})
    server = _server(fake_upstream, tmp_path, PYCUSTOMS_SERVE_EARLY_METADATA="0")
    try:
        assert "core-metadata" not in _entry(server, "offpkg")
        assert "data-core-metadata" not in httpx.get(server.index + "offpkg/").text
    finally:
        server.stop()
