"""Custom HTTP reason phrases (pip prints the status line of a refused download).

ASGI has no field for the reason phrase, and uvicorn's protocols look it up in a
module-level table by status code: the phrase under h11, the whole status line
under httptools. `install()` swaps each table for one that first consults a
context variable set by the view that refuses a file; the lookup runs inside
the view's own task, so the variable is the request's. If uvicorn changes,
clients still get the reason in the RFC 9457 body.
"""

from __future__ import annotations

import contextvars
import importlib
import re

REASON: contextvars.ContextVar[bytes | None] = contextvars.ContextVar("reason", default=None)
_UNSAFE = re.compile(rb"[^\x20-\x7e]")


class _Phrases(dict[int, bytes]):
    """h11's table: status code -> reason phrase."""

    def __getitem__(self, status: int) -> bytes:
        custom = REASON.get()
        if custom is not None and status >= 400:
            return custom
        return super().__getitem__(status)


class _StatusLines(dict[int, bytes]):
    """httptools' table: status code -> the whole status line."""

    def __getitem__(self, status: int) -> bytes:
        custom = REASON.get()
        if custom is not None and status >= 400:
            return b"HTTP/1.1 %d %s\r\n" % (status, custom)
        return super().__getitem__(status)


def set_reason(text: str) -> None:
    """Use *text* (made printable ASCII, at most 300 bytes) as the next error's reason phrase."""
    REASON.set(_UNSAFE.sub(b"?", text.encode("utf-8", "replace"))[:300])


_TABLES: tuple[tuple[str, str, type[dict[int, bytes]]], ...] = (
    ("uvicorn.protocols.http.h11_impl", "STATUS_PHRASES", _Phrases),
    ("uvicorn.protocols.http.httptools_impl", "STATUS_LINE", _StatusLines),
)


def install() -> bool:
    """Patch uvicorn's protocols; False when none has the layout expected."""
    patched = False
    for module_name, attribute, kind in _TABLES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # httptools_impl needs httptools
            continue
        table = getattr(module, attribute, None)
        if not isinstance(table, dict):
            continue
        if not isinstance(table, kind):
            setattr(module, attribute, kind(table))
        patched = True
    return patched
