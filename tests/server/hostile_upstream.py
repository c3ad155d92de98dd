"""A fake upstream that misbehaves on the wire, per path, until told to behave.

`HostileUpstream` is `FakeUpstream` (the same projects, pages and files) plus
faults armed on a path prefix: the answer that path would get is stalled, cut,
reset, trickled, replaced or redirected. A fault lasts for *times* requests,
or until `behave()`; the upstream then answers as before, which is how the
tests see a server recover.

    upstream.misbehave("/files/", Fault.TRICKLE)
    upstream.misbehave("/simple/demo/", Fault.STATUS, status=503, times=2)
    upstream.behave()
"""

from __future__ import annotations

import enum
import json
import socket
import struct
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.fake_upstream import FakeProject, FakeUpstream


class Fault(enum.Enum):
    """What goes wrong with an answer."""

    STALL = "stall"  # nothing for `stall` seconds (past the client's timeout), then the answer
    RESET = "reset"  # a TCP reset before any byte of the answer
    STATUS = "status"  # `status` (a 5xx) with a short text body
    SHORT = "short"  # the whole Content-Length promised, half the body sent, then a clean close
    RESET_MID_BODY = "reset-mid-body"  # half the body, then a TCP reset
    CHUNKED_CUT = "chunked-cut"  # a chunked body whose last chunk never comes
    TRICKLE = "trickle"  # the body one byte every `pause` seconds (slowloris)
    SLOW_HEADERS = "slow-headers"  # the status line and headers one byte every `pause` seconds
    REPLACE = "replace"  # 200 with `bodies` instead, one after the other in turn
    REDIRECT = "redirect"  # 302 to `location`


@dataclass
class _Armed:
    fault: Fault
    times: int | None
    status: int
    bodies: tuple[bytes, ...]
    location: str
    content_type: str | None
    served: int = 0


class HostileUpstream(FakeUpstream):
    """`FakeUpstream` whose answers fail in the ways a hostile or broken index's do."""

    stall = 3.0  # seconds of `Fault.STALL`
    pause = 0.05  # seconds between the bytes of `Fault.TRICKLE` and `Fault.SLOW_HEADERS`

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self._faults: dict[str, _Armed] = {}
        self._raw: dict[str, tuple[bytes, str]] = {}
        self._sizes: dict[str, int] = {}
        self._stopping = threading.Event()

    def misbehave(
        self,
        prefix: str,
        fault: Fault,
        *,
        times: int | None = None,
        status: int = 503,
        bodies: tuple[bytes, ...] = (),
        location: str = "",
        content_type: str | None = None,
    ) -> None:
        """Answer requests for paths under *prefix* with *fault* (*times* requests, or all).

        *content_type* replaces the type the answer would have had (`Fault.REPLACE`).
        """
        with self._lock:
            self._faults[prefix] = _Armed(fault, times, status, bodies, location, content_type)

    def behave(self, prefix: str | None = None) -> None:
        """Drop the fault on *prefix* (all faults without one): answers are whole again."""
        with self._lock:
            if prefix is None:
                self._faults.clear()
            else:
                self._faults.pop(prefix, None)

    def serve_raw(self, path: str, body: bytes, content_type: str = "text/html") -> None:
        """Answer *path* with *body* (a file at a URL no page of the fake would give)."""
        with self._lock:
            self._raw[path] = (body, content_type)

    def remove_release(self, name: str, version: str) -> None:
        """Take a release off the index (its files are gone too)."""
        with self._lock:
            del self.project(name).releases[version]
            self._generation += 1

    def replace_data(self, filename: str, data: bytes) -> None:
        """Publish other bytes under *filename* (a new sha256 on the page and in its URL)."""
        with self._lock:
            for project in self.projects.values():
                for item in (f for files in project.releases.values() for f in files):
                    if item.filename == filename:
                        item.data = data
            self._generation += 1

    def resize(self, filename: str, size: int | None) -> None:
        """Make the index publish *size* as the PEP 700 size of *filename* (None: the truth)."""
        with self._lock:
            if size is None:
                self._sizes.pop(filename, None)
            else:
                self._sizes[filename] = size
            self._generation += 1

    def simple_json(self, project: FakeProject) -> bytes:
        """The PEP 691 page, with the sizes `resize` made up."""
        body = super().simple_json(project)
        if not self._sizes:
            return body
        document = json.loads(body)
        for entry in document["files"]:
            entry["size"] = self._sizes.get(entry["filename"], entry["size"])
        return json.dumps(document).encode()

    def stop(self) -> None:
        """Shut down; trickling and stalled answers end at once."""
        self._stopping.set()
        super().stop()

    # -- request handling --------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(request.path).path)
        armed = self._take(path)
        try:
            if armed is None:
                self._answer(request, path)
            else:
                self._misbehave(request, path, armed)
        except OSError:  # the client gave up (a timeout, or the test is over)
            request.close_connection = True

    def _take(self, path: str) -> _Armed | None:
        with self._lock:
            for prefix, armed in self._faults.items():
                if path.startswith(prefix):
                    armed.served += 1
                    if armed.times is not None and armed.served >= armed.times:
                        del self._faults[prefix]
                    return armed
        return None

    def _answer(self, request: BaseHTTPRequestHandler, path: str) -> None:
        with self._lock:
            raw = path in self._raw
        if raw:
            self._send(request, *self._normal(request, path))
        else:
            super()._handle(request)  # as the fake answers: redirects, ETags, `fail_next`

    def _normal(self, request: BaseHTTPRequestHandler, path: str) -> tuple[int, bytes, str]:
        """The answer *path* would get (status, body, content type), logged as a request."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.requests.append(("GET", path, headers))
            raw = self._raw.get(path)
            if raw is not None:
                return 200, raw[0], raw[1]
            return self._route([p for p in path.split("/") if p], headers)

    def _misbehave(self, request: BaseHTTPRequestHandler, path: str, armed: _Armed) -> None:
        fault = armed.fault
        if fault is Fault.STALL:
            if not self._stopping.wait(self.stall):
                self._answer(request, path)
            return
        if fault is Fault.RESET:
            _reset(request)
            return
        if fault is Fault.STATUS:
            self._send(request, armed.status, b"upstream trouble", "text/plain")
            return
        if fault is Fault.REDIRECT:
            request.send_response(302)
            request.send_header("Location", armed.location)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        status, body, content_type = self._normal(request, path)
        content_type = armed.content_type or content_type
        if fault is Fault.REPLACE:
            replaced = armed.bodies[(armed.served - 1) % len(armed.bodies)]
            self._send(request, 200, replaced, content_type)
            return
        if fault is Fault.SLOW_HEADERS:
            head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            head += f"X-Padding: {'x' * 4000}\r\n\r\n"  # minutes of headers at this pace
            self._trickle(request, head.encode())
            request.wfile.write(body)
            return
        if fault is Fault.CHUNKED_CUT:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Transfer-Encoding", "chunked")
            request.end_headers()
            half = body[: len(body) // 2]
            request.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
            request.wfile.flush()
            request.close_connection = True
            return
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if fault is Fault.TRICKLE:
            self._trickle(request, body)
            return
        request.wfile.write(body[: len(body) // 2])
        request.wfile.flush()
        if fault is Fault.RESET_MID_BODY:
            _reset(request)
        request.close_connection = True  # Fault.SHORT: a clean close, the rest never sent

    def _trickle(self, request: BaseHTTPRequestHandler, data: bytes) -> None:
        for offset in range(len(data)):
            request.wfile.write(data[offset : offset + 1])
            request.wfile.flush()
            if self._stopping.wait(self.pause):
                request.close_connection = True
                return


def _reset(request: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), not a clean close."""
    request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.connection.close()
    request.close_connection = True
