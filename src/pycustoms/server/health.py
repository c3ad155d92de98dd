"""`GET /health`: whether this process can serve, as a small JSON document.

200 when the database answers and the blob store takes a write, else 503, so
that a container's health check or a load balancer takes a broken replica out.
Each check says `ok` or what failed (an error class and message, no traceback).
`/-/health` stays the cheapest liveness answer (`ok`, no checks).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable

from sqlalchemy import text

from pycustoms import __version__
from pycustoms.redact import redact
from pycustoms.server.responses import NOSNIFF, SERVER, Scope, Send, send_bytes
from pycustoms.server.state import ServerState

# A check that takes longer counts as failed (a locked or unreachable database).
TIMEOUT = 5.0


def _database(state: ServerState) -> None:
    with state.db.session() as session:
        session.execute(text("SELECT 1")).scalar_one()


def _store(state: ServerState) -> None:
    if not state.store.blobs.is_dir():
        raise NotADirectoryError(f"{state.store.blobs} is not a directory")
    handle, name = tempfile.mkstemp(dir=state.store.tmp, prefix="health-")
    try:
        os.write(handle, b"ok")
    finally:
        os.close(handle)
        os.unlink(name)  # noqa: PTH108 - the name mkstemp returned


async def _check(run: Callable[[ServerState], None], state: ServerState) -> str:
    try:
        await asyncio.wait_for(asyncio.to_thread(run, state), timeout=TIMEOUT)
    except TimeoutError:
        return f"failed: no answer within {TIMEOUT:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, not a crash
        return redact(f"failed: {type(exc).__name__}: {exc}")
    return "ok"


async def health(state: ServerState, scope: Scope, send: Send) -> None:
    """Answer 200 with the checks when all pass, else 503 with the same document."""
    checks = {
        "database": await _check(_database, state),
        "store": await _check(_store, state),
    }
    healthy = all(value == "ok" for value in checks.values())
    document = {"status": "ok" if healthy else "failing", "version": __version__, **checks}
    body = json.dumps(document).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
        SERVER,
        NOSNIFF,
    ]
    await send_bytes(send, 200 if healthy else 503, body, headers, head=scope["method"] == "HEAD")
