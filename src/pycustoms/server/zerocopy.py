"""Zero-copy file bodies under uvicorn, which offers no `pathsend` extension.

ASGI gives an application no socket, so a stored file's bytes would be read into
Python and written back out, chunk by chunk. uvicorn's request cycle is the
object behind the `send` callable it passes; when it is one of the two this
module knows, the body is handed to `loop.sendfile` (sendfile(2) on a plain
socket) and the cycle is told of those bytes in its own terms:

- httptools (what `pycustoms serve` runs): the cycle counts the bytes left of
  Content-Length; they are taken off that count, and an empty last body message
  then completes the response through uvicorn's own code;
- h11: the bytes are counted through h11's passthrough mode, which h11 provides
  for exactly this use, and the end of the message is sent as h11 would.

Anything else (another server, a version of uvicorn whose cycle looks different)
gets `None` from `cycle_of`, and the caller sends the bytes the ordinary way.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import h11

_COMMON = ("transport", "flow", "keep_alive", "on_response", "message_event", "disconnected")
_NEEDED = {
    "uvicorn.protocols.http.h11_impl": (*_COMMON, "conn"),
    "uvicorn.protocols.http.httptools_impl": (
        *_COMMON,
        "expected_content_length",
        "chunked_encoding",
    ),
}


class _Length:
    """Stands for *size* body bytes in h11's accounting; the bytes go by sendfile."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


def cycle_of(send: Any) -> Any | None:
    """uvicorn's request cycle behind *send*, if it has everything `sendfile` uses."""
    cycle: Any = getattr(send, "__self__", None)
    if cycle is None or type(cycle).__name__ != "RequestResponseCycle":
        return None
    needed = _NEEDED.get(type(cycle).__module__)
    if needed is None or not all(hasattr(cycle, name) for name in needed):
        return None
    if _is_h11(cycle) and not isinstance(cycle.conn, h11.Connection):
        return None
    transport = cycle.transport
    if transport.get_extra_info("sslcontext") is not None or transport.is_closing():
        return None
    return cycle


def _is_h11(cycle: Any) -> bool:
    return bool(type(cycle).__module__.endswith("h11_impl"))


async def sendfile(cycle: Any, path: Path, size: int) -> None:
    """Send *size* bytes of *path* as the whole body of the response *cycle* started."""
    if not cycle.response_started or cycle.response_complete:
        raise RuntimeError("a sendfile body needs a started, unfinished response")
    h11_cycle = _is_h11(cycle)
    if not h11_cycle and (cycle.chunked_encoding or cycle.expected_content_length != size):
        raise RuntimeError("a sendfile body needs a Content-Length of the file's size")
    if cycle.flow.write_paused and not cycle.disconnected:
        await cycle.flow.drain()
    if cycle.disconnected:
        return
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size != size:
            raise RuntimeError(f"{path} changed size while being served")
        if h11_cycle:
            # Counted against Content-Length without a copy (nothing of it is written here).
            cycle.conn.send_with_data_passthrough(h11.Data(data=_Length(size)))  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        sent = await loop.sendfile(cycle.transport, handle, 0, size)
    if sent != size:
        raise RuntimeError(f"{path}: {sent} of {size} bytes sent")
    if not h11_cycle:
        cycle.expected_content_length -= size
        await cycle.send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    cycle.response_complete = True
    cycle.message_event.set()
    cycle.transport.write(cycle.conn.send(h11.EndOfMessage()))
    if cycle.conn.our_state is h11.MUST_CLOSE or not cycle.keep_alive:
        cycle.conn.send(h11.ConnectionClosed())
        cycle.transport.close()
    cycle.on_response()
