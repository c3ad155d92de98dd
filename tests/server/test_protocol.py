"""`server.protocol`: uvicorn's httptools protocol with a bound on each request's head.

Under the real uvicorn server on a loopback socket, as `pycustoms serve` runs it:
a head that never ends is refused with 431 (plain httptools keeps it all in
memory and never answers), while bodies of any size and keep-alive requests
that follow a body in the same read are served as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from pycustoms.server.protocol import MAX_HEAD, http_protocol


async def _app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = f"{scope['method']} {scope['path']} {size}".encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _exchange(port: int, talk: Callable[[socket.socket], bytes]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        early = b""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            early = talk(sock)  # what the server said while we were still sending
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        return early + _read_all(sock)


def _run(talk: Callable[[socket.socket], bytes]) -> bytes:
    async def main() -> bytes:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(_app, http=http_protocol(), lifespan="off", log_level="error")
        server = uvicorn.Server(config)
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            return await asyncio.to_thread(_exchange, port, talk)
        finally:
            server.should_exit = True
            await task

    return asyncio.run(main())


def test_serve_runs_the_bounded_httptools_protocol() -> None:
    assert getattr(http_protocol(), "__name__", "") == "BoundedHttpTools"


def test_a_head_that_never_ends_is_refused_with_431() -> None:
    def endless_header(sock: socket.socket) -> bytes:
        sock.sendall(b"GET /simple/ HTTP/1.1\r\nHost: x\r\nX-Long: ")
        heard = b""
        for _ in range(1024):  # 16 MiB, far past the bound, unless the server stops us
            sock.sendall(b"a" * (16 * 1024))
            # Read as we go: once the server closes on unread bytes, the kernel resets
            # the connection and an answer not yet read would be lost.
            if select.select([sock], [], [], 0.001)[0]:
                heard += sock.recv(65536)
                if heard:
                    break
        return heard

    answer = _run(endless_header)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"connection: close" in answer


def test_a_head_just_under_the_bound_is_served() -> None:
    def many_headers(sock: socket.socket) -> bytes:
        lines = b"".join(
            b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range((MAX_HEAD - 2048) // 110)
        )
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n" + lines + b"Connection: close\r\n\r\n")
        return b""

    answer = _run(many_headers)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert answer.endswith(b"GET /ok 0")


def test_bodies_are_not_counted_and_a_request_after_one_is_served() -> None:
    body = b"b" * (3 * MAX_HEAD)

    def body_then_next(sock: socket.socket) -> bytes:
        # One write: a head, a body three times the bound, then the next request.
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body
            + b"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        return b""

    answer = _run(body_then_next)
    assert answer.count(b"HTTP/1.1 200 ") == 2, answer[:400]
    assert b"POST /upload %d" % len(body) in answer
    assert answer.endswith(b"GET /next 0")
