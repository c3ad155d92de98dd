"""A local PEP 503 directory as the upstream: no upload times, so trusted-for-age decides."""

from __future__ import annotations

import hashlib
import os
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
    trusted = ServerProcess(url, tmp_path / "trusted", env={"PYCUSTOMS_TRUSTED_FOR_AGE": "1"})
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
