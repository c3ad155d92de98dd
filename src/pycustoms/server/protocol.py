"""The HTTP/1.1 protocol `pycustoms serve` runs: uvicorn's httptools one, with a bounded head.

httptools (llhttp, in C) parses about three times the cached pages per core of
uvicorn's pure-Python h11 (`benchmarks/cluster.py --replicas`). But where h11
refuses a request whose line and headers pass 16 KiB, llhttp sets no bound:
uvicorn would keep a header value that never ends in memory (measured: 200 MiB
sent as one header, 360 MiB more resident, no answer). `BoundedHttpTools`
counts the bytes of each request's head and answers 431, closing the
connection, past `MAX_HEAD`; bodies are not counted (uploads have their own
limit). While a head is incomplete the bytes are fed to the parser in slices of
`_SLICE`, so the count is exact to within one slice and a body that arrives in
the same read as its head is not counted as head. What a connection holds of
an unfinished head is thus at most `MAX_HEAD` plus one read.

`http_protocol()` falls back to uvicorn's h11 (which bounds heads itself) when
httptools is missing or uvicorn's protocol class does not look as expected.
"""

from __future__ import annotations

from typing import Any

MAX_HEAD = 64 * 1024
_SLICE = 8 * 1024
_CALLBACKS = ("data_received", "on_message_begin", "on_headers_complete", "transport")
_TOO_LARGE_BODY = b"Request line and headers too long"
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"%s"
) % (len(_TOO_LARGE_BODY), _TOO_LARGE_BODY)


def _bounded_class() -> type[Any] | None:
    try:
        from uvicorn.protocols.http.httptools_impl import (  # noqa: PLC0415
            HttpToolsProtocol,
        )
    except ImportError:  # no httptools
        return None
    if not all(hasattr(HttpToolsProtocol, name) for name in _CALLBACKS[:-1]):
        return None

    class BoundedHttpTools(HttpToolsProtocol):
        """uvicorn's httptools protocol, refusing a request head over `MAX_HEAD` bytes."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_bytes = 0
            self._in_head = True  # a connection starts with a request's head

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_bytes = 0
            self._in_head = True

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def _head_ended(self) -> bool:
            return not self._in_head  # a method: the parser's callbacks change it

        def data_received(self, data: bytes) -> None:
            if not self._in_head:
                super().data_received(data)
                # If the body ended and the next request's head began in this read,
                # that head's bytes in it go uncounted: the bound is MAX_HEAD plus
                # one read (asyncio reads at most 256 KiB).
                return
            view = memoryview(data)
            while view:
                piece, view = view[:_SLICE], view[_SLICE:]
                super().data_received(bytes(piece))
                if self.transport.is_closing():
                    return
                if self._head_ended():  # in this piece: the rest is body
                    if view:
                        super().data_received(bytes(view))
                    return
                self._head_bytes += len(piece)
                if self._head_bytes > MAX_HEAD:
                    self.transport.write(_TOO_LARGE)
                    self.transport.close()
                    return

    return BoundedHttpTools


def http_protocol() -> Any:
    """What to give `uvicorn.Config(http=...)`: `BoundedHttpTools`, else `"h11"`."""
    bounded = _bounded_class()
    return bounded if bounded is not None else "h11"
