"""`zerocopy`: file bodies by sendfile under the real uvicorn server (httptools and h11), byte
for byte."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from pycustoms.server import zerocopy
from pycustoms.server.responses import send_file

SIZE = 3 * 1024 * 1024 + 17


async def _serve_and_fetch(path: Path, used: list[bool], http: str) -> list[httpx.Response]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        used.append(zerocopy.cycle_of(send) is not None or scope["method"] == "HEAD")
        headers = [(b"content-type", b"application/octet-stream")]
        await send_file(scope, send, path, headers, head=scope["method"] == "HEAD")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, http=http, lifespan="off", log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            # Three on one keep-alive connection: the protocol's state must be right after each.
            first = await client.get("/a")
            head = await client.head("/a")
            second = await client.get("/b")
        return [first, head, second]
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_large_files_go_by_sendfile_and_arrive_whole(tmp_path: Path, http: str) -> None:
    path = tmp_path / "blob"
    data = os.urandom(SIZE)
    path.write_bytes(data)
    used: list[bool] = []
    first, head, second = asyncio.run(_serve_and_fetch(path, used, http))
    digest = hashlib.sha256(data).hexdigest()
    for response in (first, second):
        assert response.status_code == 200
        assert response.headers["content-length"] == str(SIZE)
        assert hashlib.sha256(response.content).hexdigest() == digest
    assert head.status_code == 200
    assert head.headers["content-length"] == str(SIZE)
    assert head.content == b""
    assert used == [True, True, True]


def test_cycle_of_refuses_anything_else() -> None:
    async def plain(message: Any) -> None:
        return None

    assert zerocopy.cycle_of(plain) is None
    assert zerocopy.cycle_of(object()) is None
