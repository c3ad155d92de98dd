"""Raw ASGI responses: bytes bodies, RFC 9457 problems, files, redirects.

The hot paths (cached pages, stored files) skip any framework: a response is
one `http.response.start` and one or a few `http.response.body` messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio

from pycustoms.redact import redact
from pycustoms.server import zerocopy
from pycustoms.server.filtering import RULES
from pycustoms.server.reason import set_reason
from pycustoms.vulns.analyze import RULES as VULN_RULES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

_SMALL_FILE = 256 * 1024  # read in the event loop at once
_CHUNK = 4 << 20
_TITLES = {rule.id: rule.title for rule in (*RULES, *VULN_RULES)}
SERVER = (b"server", b"pycustoms")
# Bodies are served as the type they are said to be (a file named .html stays a download).
NOSNIFF = (b"x-content-type-options", b"nosniff")


async def send_bytes(
    send: Send, status: int, body: bytes, headers: Headers, *, head: bool = False
) -> None:
    """Send *body* with *headers* (Content-Length is added)."""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def problem(
    send: Send, status: int, rule: str, detail: str, *, extra: Headers | None = None
) -> None:
    """An RFC 9457 problem response; *detail* is also the reason phrase of the status line.

    URL credentials (an upstream's user and password) are masked in *detail*.
    """
    detail = redact(detail)
    set_reason(detail)
    document = {
        "type": f"urn:pycustoms:rule:{rule}",
        "title": _TITLES.get(rule, rule),
        "status": status,
        "detail": detail,
        "rule": rule,
    }
    body = json.dumps(document).encode()
    headers: Headers = [
        (b"content-type", b"application/problem+json"),
        SERVER,
        NOSNIFF,
        *(extra or []),
    ]
    await send_bytes(send, status, body, headers)


async def redirect(send: Send, location: str) -> None:
    """A permanent redirect (non-normalised project names)."""
    await send_bytes(send, 301, b"", [(b"location", location.encode())])


async def send_file(
    scope: Scope, send: Send, path: Path, headers: Headers, *, head: bool = False
) -> None:
    """Send a stored blob: zero-copy when the server offers `pathsend`, else 1 MiB chunks."""
    size = path.stat().st_size
    headers.append((b"content-length", str(size).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    if "http.response.pathsend" in scope.get("extensions", {}):
        await send({"type": "http.response.pathsend", "path": os.fspath(path)})
        return
    cycle = zerocopy.cycle_of(send) if size > _SMALL_FILE else None
    if cycle is not None:
        await zerocopy.sendfile(cycle, path, size)
        return
    if size <= _SMALL_FILE:
        # Most wheels and every metadata file: one read from the page cache costs less
        # than the three thread hand-offs (open, read, close) of the chunked path.
        with path.open("rb") as handle:
            body = handle.read(size + 1)
        if len(body) != size:
            raise RuntimeError(f"{path} changed size while being served")
        await send({"type": "http.response.body", "body": body})
        return
    async with await anyio.open_file(path, "rb") as handle:
        remaining = size
        while remaining > 0:
            chunk = await handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
    if remaining:
        raise RuntimeError(f"{path} shrank while being served")


def header(scope: Scope, name: bytes) -> str | None:
    """One request header (latin-1 decoded), or `None`."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
