"""Zero-copy file bodies under uvicorn's h11 server, which offers no `pathsend` extension.

ASGI gives an application no socket, so a stored file's bytes would be read into
Python and written back out, chunk by chunk. uvicorn's h11 request cycle is the
object behind the `send` callable it passes; when that is so, the body is handed
to `loop.sendfile` (sendfile(2) on a plain socket) and h11 is told its length
through its passthrough mode, which h11 provides for exactly this use. Anything
else (another server, another version of uvicorn whose cycle looks different)
gets `None` from `cycle_of`, and the caller sends the bytes the ordinary way.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import h11

_NEEDED = ("conn", "transport", "flow", "keep_alive", "on_response", "message_event")


class _Length:
    """Stands for *size* body bytes in h11's accounting; the bytes go by sendfile."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


def cycle_of(send: Any) -> Any | None:
    """uvicorn's h11 request cycle behind *send*, if it has everything `sendfile` uses."""
    cycle: Any = getattr(send, "__self__", None)
    if cycle is None or type(cycle).__name__ != "RequestResponseCycle":
        return None
    if not all(hasattr(cycle, name) for name in _NEEDED):
        return None
    if not isinstance(cycle.conn, h11.Connection):
        return None
    transport = cycle.transport
    if transport.get_extra_info("sslcontext") is not None or transport.is_closing():
        return None
    return cycle


async def sendfile(cycle: Any, path: Path, size: int) -> None:
    """Send *size* bytes of *path* as the whole body of the response *cycle* started."""
    if not cycle.response_started or cycle.response_complete:
        raise RuntimeError("a sendfile body needs a started, unfinished response")
    if cycle.flow.write_paused and not cycle.disconnected:
        await cycle.flow.drain()
    if cycle.disconnected:
        return
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size != size:
            raise RuntimeError(f"{path} changed size while being served")
        # Counted against Content-Length without a copy (nothing of it is written here).
        cycle.conn.send_with_data_passthrough(h11.Data(data=_Length(size)))  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        sent = await loop.sendfile(cycle.transport, handle, 0, size)
    if sent != size:
        raise RuntimeError(f"{path}: {sent} of {size} bytes sent")
    cycle.response_complete = True
    cycle.message_event.set()
    cycle.transport.write(cycle.conn.send(h11.EndOfMessage()))
    if cycle.conn.our_state is h11.MUST_CLOSE or not cycle.keep_alive:
        cycle.conn.send(h11.ConnectionClosed())
        cycle.transport.close()
    cycle.on_response()
