"""Custom HTTP reason phrases (pip prints the status line of a refused download).

ASGI has no field for the reason phrase, and uvicorn's h11 protocol looks it up
in a module-level table by status code. `install()` swaps that table for one
that first consults a context variable set by the view that refuses a file;
the lookup runs inside the view's own task, so the variable is the request's.
If uvicorn changes, clients still get the reason in the RFC 9457 body.
"""

from __future__ import annotations

import contextvars
import re

REASON: contextvars.ContextVar[bytes | None] = contextvars.ContextVar("reason", default=None)
_UNSAFE = re.compile(rb"[^\x20-\x7e]")


class _Phrases(dict[int, bytes]):
    def __getitem__(self, status: int) -> bytes:
        custom = REASON.get()
        if custom is not None and status >= 400:
            return custom
        return super().__getitem__(status)


def set_reason(text: str) -> None:
    """Use *text* (made printable ASCII, at most 300 bytes) as the next error's reason phrase."""
    REASON.set(_UNSAFE.sub(b"?", text.encode("utf-8", "replace"))[:300])


def install() -> bool:
    """Patch uvicorn's h11 protocol; return False when its layout is not the one expected."""
    try:
        from uvicorn.protocols.http import h11_impl  # noqa: PLC0415
    except ImportError:
        return False
    table = getattr(h11_impl, "STATUS_PHRASES", None)
    if not isinstance(table, dict):
        return False
    if not isinstance(table, _Phrases):
        h11_impl.STATUS_PHRASES = _Phrases(table)
    return True
