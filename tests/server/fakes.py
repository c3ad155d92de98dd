"""A fake upstream that also serves PEP 658 metadata files and can trickle large bodies."""

from __future__ import annotations

import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from tests.fake_upstream import FakeUpstream

SUFFIX = ".metadata"


class MetadataUpstream(FakeUpstream):
    """`FakeUpstream` plus `/files/SHA/NAME.metadata` (what the pages promise)."""

    def _route(self, parts: list[str], headers: Mapping[str, str]) -> tuple[int, bytes, str]:
        if parts[:1] == ["files"] and len(parts) == 3 and parts[2].endswith(SUFFIX):
            filename = parts[2][: -len(SUFFIX)]
            for project in self.projects.values():
                for _, item in self._files(project):
                    if item.sha256 == parts[1] and item.filename == filename and item.metadata:
                        return 200, item.metadata, "text/plain"
            return 404, b"not found", "text/plain"
        return super()._route(parts, headers)


class SlowUpstream(MetadataUpstream):
    """Sends bodies larger than 1 MiB in 256 KiB pieces with a pause between them."""

    pause = 0.05

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
        try:
            for start in range(0, len(body), step):
                request.wfile.write(body[start : start + step])
                request.wfile.flush()
                time.sleep(SlowUpstream.pause)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the client went away (a test killed it)
