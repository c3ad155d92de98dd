"""A local PEP 503 directory as the upstream: no upload times, so trusted-for-age decides."""

from __future__ import annotations

import hashlib
import os
import socket
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.builders import build_wheel
from tests.server.serverproc import ServerProcess

pytestmark = pytest.mark.slow
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _wheelhouse(root: Path) -> Path:
    files = root / "files"
    files.mkdir(parents=True)
    wheel = build_wheel(files, "localpkg", "1.0", {"localpkg/__init__.py": "X = 1\n"})
    old = time.time() - 30 * 86400
    os.utime(wheel, (old, old))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    page = root / "simple" / "localpkg"
    page.mkdir(parents=True)
    link = f'<a href="../../files/{wheel.name}#sha256={digest}">{wheel.name}</a>'
    (page / "index.html").write_text(f"<!DOCTYPE html><html><body>{link}</body></html>")
    return root / "simple"


def test_local_directory_upstream(tmp_path: Path) -> None:
    simple = _wheelhouse(tmp_path / "house")
    url = simple.as_uri() + "/"
    strict = ServerProcess(url, tmp_path / "strict")
    try:
        document = httpx.get(strict.index + "localpkg/", headers=JSON).json()
        assert document["files"] == []  # no upload time: too new unless trusted
    finally:
        strict.stop()
    trusted = ServerProcess(url, tmp_path / "trusted", env={"PYCUSTOMS_SERVE_TRUSTED_FOR_AGE": "1"})
    try:
        document = httpx.get(trusted.index + "localpkg/", headers=JSON).json()
        (entry,) = document["files"]
        assert entry["upload-time"] is not None
        file_url = httpx.URL(trusted.index + "localpkg/").join(entry["url"])
        body = httpx.get(file_url, timeout=60)
        assert body.status_code == 200
        assert hashlib.sha256(body.content).hexdigest() == entry["hashes"]["sha256"]
    finally:
        trusted.stop()


def test_keep_alive_answers_are_not_held_back_by_nagle(tmp_path: Path) -> None:
    # A response goes out as head then body; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (about 40 ms a request on Linux).
    simple = _wheelhouse(tmp_path / "house")
    server = ServerProcess(simple.as_uri() + "/", tmp_path / "data")
    try:
        request = b"GET /simple/localpkg/ HTTP/1.1\r\nHost: x\r\n\r\n"
        took = []
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            for _ in range(21):
                started = time.perf_counter()
                sock.sendall(request)
                head = b""
                while b"\r\n\r\n" not in head:
                    head += sock.recv(65536)
                header, _, body = head.partition(b"\r\n\r\n")
                assert header.startswith(b"HTTP/1.1 200")
                length = int(header.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(body) < length:
                    body += sock.recv(65536)
                took.append(time.perf_counter() - started)
        assert statistics.median(took) < 0.02, took
    finally:
        server.stop()
