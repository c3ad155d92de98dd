"""A fake upstream that trickles large bodies.

`FakeUpstream` advertises PEP 658 metadata but does not serve the files: the
server falls back to the METADATA of the scanned wheel, as it must for a real
upstream that fails the same way.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from tests.fake_upstream import FakeUpstream


class SlowUpstream(FakeUpstream):
    """Sends bodies larger than 1 MiB in 256 KiB pieces with a pause between them."""

    pause = 0.05
    # When set, a large body is cut off (the connection closed) after this many bytes.
    cut_after: int | None = None

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        etag: str | None = None,
    ) -> None:
        request.send_response(HTTPStatus(status))
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        if etag:
            request.send_header("ETag", etag)
        request.end_headers()
        if len(body) <= 1 << 20:
            request.wfile.write(body)
            return
        step = 256 * 1024
        end = len(body) if SlowUpstream.cut_after is None else SlowUpstream.cut_after
        try:
            for start in range(0, end, step):
                request.wfile.write(body[start : min(start + step, end)])
                request.wfile.flush()
                time.sleep(SlowUpstream.pause)
            if end < len(body):
                request.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the client went away (a test killed it)
