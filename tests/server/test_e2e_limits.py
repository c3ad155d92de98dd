"""Issue 15, items 11-13: what the index holds in memory, and how it answers bad requests.

A real `pycustoms serve` over the fake upstream. The server's peak resident memory
(`VmHWM` of its process) is read from /proc before and after a large upload.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env

pytestmark = pytest.mark.slow

OLD = datetime.now(UTC) - timedelta(days=60)
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path_factory.mktemp("upstream"))
    fake.add_release("plainpkg", "1.0", uploaded=OLD)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(
    upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("data")
    env = {"PYCUSTOMS_SERVE_SCAN_WORKERS": "1", "PYCUSTOMS_SERVE_MAX_UPLOAD_MIB": "256"}
    proc = ServerProcess(upstream.url, data, env=env)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def publisher(server: ServerProcess) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", "uploader", "--publish",
         "bigpkg*", "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, env=clean_env(), cwd=server.data_dir, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _peak_rss(pid: int) -> int:
    """The process's peak resident set (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


def _upload(server: ServerProcess, token: str, name: str, content: Path | bytes) -> httpx.Response:
    fields = {":action": "file_upload", "name": "bigpkg", "version": name.split("-")[1]}
    body = content.open("rb") if isinstance(content, Path) else content
    try:
        return httpx.post(
            server.url + "/legacy/",
            data=fields,
            files={"content": (name, body, "application/octet-stream")},
            auth=("__token__", token),
            timeout=300,
        )
    finally:
        if not isinstance(body, bytes):
            body.close()


def test_12_a_large_upload_goes_to_disk_not_to_memory(
    server: ServerProcess, publisher: str, tmp_path: Path
) -> None:
    """Before: a 300 MB upload took the server from 193 to 502 MB resident."""
    big = tmp_path / "bigpkg-1.0-py3-none-any.whl"
    with big.open("wb") as out:  # 200 MiB that is not a wheel: stored, then refused by the scan
        chunk = b"\x5a" * MIB
        for _ in range(200):
            out.write(chunk)
    # A small upload first: the names check loads its index once, on first use (~70 MB).
    warm = _upload(server, publisher, "bigpkg-0.1-py3-none-any.whl", b"not a wheel")
    assert warm.status_code in (400, 403, 422), warm.text
    before = _peak_rss(server.proc.pid)
    answer = _upload(server, publisher, big.name, big)
    after = _peak_rss(server.proc.pid)
    assert answer.status_code in (400, 403, 422), answer.text  # refused, not a crash
    assert after - before < 64 * MIB, f"peak RSS grew by {(after - before) // MIB} MiB"
    page = httpx.get(server.index + "bigpkg/", auth=("__token__", publisher), timeout=30)
    assert "bigpkg-1.0-py3-none-any.whl" not in page.text


def test_12_an_upload_over_the_limit_is_refused_with_413(
    upstream: FakeUpstream, publisher: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    small = ServerProcess(upstream.url, data, env={"PYCUSTOMS_SERVE_MAX_UPLOAD_MIB": "1"})
    try:
        token = subprocess.run(
            [sys.executable, "-m", "pycustoms", "token", "create", "up", "--publish", "bigpkg",
             "--data-dir", str(data)],
            capture_output=True, text=True, env=clean_env(), cwd=data, check=True,
        ).stdout.strip()  # fmt: skip
        declared = _upload(small, token, "bigpkg-1.0-py3-none-any.whl", b"\0" * (3 * MIB))
        assert declared.status_code == 413, declared.text
        assert declared.json()["type"].endswith("policy/bad-upload")
        # No Content-Length: the body is counted as it arrives and cut at the limit.
        boundary = "pycustomsboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\n'
            f'file_upload\r\n--{boundary}\r\nContent-Disposition: form-data; name="content"; '
            f'filename="bigpkg-1.0-py3-none-any.whl"\r\n\r\n'
        ).encode()

        def chunks() -> Iterator[bytes]:
            yield head
            for _ in range(4):
                yield b"\0" * MIB
            yield f"\r\n--{boundary}--\r\n".encode()

        streamed = httpx.post(
            small.url + "/legacy/",
            content=chunks(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            auth=("__token__", token),
            timeout=60,
        )
        assert streamed.status_code == 413, streamed.text
    finally:
        small.stop()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xyz", b"this is not multipart at all"),
        ("multipart/form-data", b"--\r\n"),  # no boundary
        ("application/json", b'{":action": "file_upload"}'),
    ],
    ids=["garbage body", "no boundary", "not a form"],
)
def test_12_a_malformed_upload_is_a_400_not_a_500(
    server: ServerProcess, publisher: str, content_type: str, body: bytes
) -> None:
    """Before: malformed multipart answered 500."""
    answer = httpx.post(
        server.url + "/legacy/",
        content=body,
        headers={"Content-Type": content_type},
        auth=("__token__", publisher),
        timeout=30,
    )
    assert answer.status_code == 400, answer.text
    assert "bad-upload" in answer.json()["type"]


def test_13_an_unknown_name_is_not_asked_upstream_again_at_once(
    server: ServerProcess, upstream: FakeUpstream
) -> None:
    """Before: every request for a name the upstream does not have went to the upstream."""
    for _ in range(5):
        assert httpx.get(server.index + "no-such-project-xyz/", timeout=30).status_code == 404
    assert len(upstream.requests_to("/simple/no-such-project-xyz")) == 1


def test_13_every_answer_carries_nosniff_and_the_console_a_csp(server: ServerProcess) -> None:
    page = httpx.get(server.index + "plainpkg/", timeout=30)
    assert page.headers["x-content-type-options"] == "nosniff"
    console = httpx.get(server.url + "/console/", timeout=30, follow_redirects=False)
    assert console.headers["x-content-type-options"] == "nosniff"
    assert "default-src" in console.headers.get("content-security-policy", "")
