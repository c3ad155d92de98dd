"""A fake OSV API on 127.0.0.1: `/v1/querybatch` (one id per page) and `/v1/vulns/{id}`.

    with FakeOsv({("demo", "1.1"): ["PYSEC-1", "GHSA-1"]}, {"PYSEC-1": {...}}) as osv:
        OsvSource(osv.url)

Each batch result lists one advisory and a `next_page_token` while more remain,
so every lookup of more than one advisory exercises pagination. `broken_pages`
answers follow-up pages with a malformed result (an advisory without `id`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests import loopback


class FakeOsv:
    """The fake API. `requests` logs (method, path, body) for assertions."""

    def __init__(
        self,
        affected: Mapping[tuple[str, str], list[str]],
        records: Mapping[str, dict[str, Any]],
    ) -> None:
        self.affected = {k: list(v) for k, v in affected.items()}
        self.records = dict(records)
        self.broken_pages = False
        self.requests: list[tuple[str, str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeOsv:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                fake.requests.append(("POST", self.path, body))
                if self.path != "/v1/querybatch":
                    self._send(404, {"message": "not found"})
                    return
                self._send(200, {"results": [fake.result(q) for q in body["queries"]]})

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, None))
                ident = self.path.removeprefix("/v1/vulns/")
                record = fake.records.get(ident)
                if record is None:
                    self._send(404, {"message": "Bug not found"})
                else:
                    self._send(200, record)

            def _send(self, status: int, document: object) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = loopback.start(Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        loopback.stop(self._server)

    def result(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """One advisory of the query per page, with a token for the next page."""
        key = (query["package"]["name"], query["version"])
        ids = self.affected.get(key, [])
        page = int(query.get("page_token", "0"))
        if page and self.broken_pages:
            return {"vulns": [{"modified": "2025-01-01T00:00:00Z"}]}
        if page >= len(ids):
            return {}
        result: dict[str, Any] = {"vulns": [{"id": ids[page], "modified": "2025-01-01"}]}
        if page + 1 < len(ids):
            result["next_page_token"] = str(page + 1)
        return result
