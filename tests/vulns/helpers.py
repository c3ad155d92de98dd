"""Small OSV records, archives of them, and a local HTTP server that serves archives.

    with ArchiveServer() as server:
        server.serve("/PyPI/all.zip", osv_zip([osv("PYSEC-1", "demo", fixed="1.2")]))
        update_from_archive(db, server.url("/PyPI/all.zip"), ...)

Nothing here reaches the network: the server binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests import loopback
from tests.fake_upstream import FakeUpstream


def osv(
    ident: str,
    name: str,
    *,
    fixed: str | None = None,
    introduced: str = "0",
    modified: str = "2026-11-30T00:00:00Z",
    versions: Iterable[str] = (),
) -> dict[str, Any]:
    """An OSV record: *name* affected from *introduced* up to *fixed* (or for good)."""
    events: list[dict[str, str]] = [{"introduced": introduced}]
    if fixed is not None:
        events.append({"fixed": fixed})
    return {
        "id": ident,
        "modified": modified,
        "summary": f"{ident} in {name}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": list(versions),
            }
        ],
    }


def filler_records(count: int, *, prefix: str = "PYSEC-2090-") -> list[dict[str, Any]]:
    """*count* records about projects no test audits (to reach archive-min-records)."""
    return [osv(f"{prefix}{n}", f"bulk-{n}", fixed="1.0") for n in range(count)]


def osv_zip(records: Iterable[dict[str, Any]], *, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip of one `<id>.json` per record (OSV's layout), plus *extra* files as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


class ArchiveServer:
    """Serves fixed bodies by path; anything else is a 404. `requests` lists the paths asked."""

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def serve(self, path: str, body: bytes, status: int = 200) -> None:
        """Answer GET *path* with *status* and *body*."""
        self.bodies[path] = (status, body)

    def url(self, path: str) -> str:
        """The URL of *path* on this server."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def __enter__(self) -> ArchiveServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                status, body = server.bodies.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = loopback.start(Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        loopback.stop(self._server)


class ProjectDocumentOnly(FakeUpstream):
    """An index whose JSON API serves project documents but no per-release ones.

    Some mirrors and proxies do this; the project document's `vulnerabilities`
    are those of its latest release only.
    """

    def _route(self, parts: list[str], headers: Any) -> tuple[int, bytes, str]:
        if parts[:1] == ["pypi"] and len(parts) == 4:
            return 404, b"not found", "text/plain"
        return super()._route(parts, headers)
